"""Load benchmark: simulated users against gunicorn workers on PostgreSQL, beside a bare baseline.

1. Journey: every user logs in with password + TOTP, opens the casebook, saves concomitant
   medications, corrects some with a reason and answers the automatic queries; afterwards zero 5xx,
   every acknowledged save present, the ledger verifies, the chain is linear, replay is clean.
2. Paced saves: every user saves a new record, then thinks for 0.5-1.5 s (people read and type
   between saves), for a fixed count; save latency p50/p95 at that realistic load.
3. Saturated saves: every user posts new records as fast as the server answers, for a fixed
   count; throughput (and the latency of a full queue).
4. Baseline: the same users post the same payload, the same number of times and the same ways, to
   ``bench/baseline_app.py`` (bare Flask + one SQLAlchemy insert, no checks, no ledger) served by the
   same gunicorn settings, in the same run.

Run ``python bench/load.py [--users 16] [--workers 4] [--saves 40] [--paced-saves 12] [--postgres URL]``
(``EDC_TEST_POSTGRES_URL`` is read too).  Goals (issue 10): save p95 < 100 ms; throughput >= 0.5 x
the baseline.  Exit status 1 when a correctness check fails (the goals are reported, not enforced).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.baseline_app import create_schema  # noqa: E402
from tests.load.harness import (  # noqa: E402
    CONMED, CONMEDS, CSRF, Attempt, Outcomes, SeededUser, Server, SimulatedUser, create_database, deployment, drop_database,
    invariant_problems, percentile, run_users, unique_name,
)

P95_GOAL_S = 0.100
THINK_S = (0.5, 1.5)
RATIO_GOAL = 0.5


def save_burst(user: SimulatedUser, saves: int, start_gate: threading.Barrier, *, login_needed: bool,
               think: tuple[float, float] | None = None) -> None:
    """Post ``saves`` new records, back to back or with a think time drawn from ``think`` between
    them (the CSRF token of one page serves the whole session)."""
    pace = random.Random(user.account.username)
    token = "baseline"
    if login_needed:
        page = user.page(CONMEDS.format(code=user.account.subject_code, n=user.next_instance))
        token = CSRF.search(page).group(1)
    start_gate.wait()
    for _ in range(saves):
        number = user.next_instance
        user.next_instance += 1
        path = CONMEDS.format(code=user.account.subject_code, n=number)
        values = dict(CONMED, CMDOSE_MG_DAY=f"{number % 900}.25")
        response = user.request("POST", path, {"csrf_token": token, "revision": "0", "form_version": "1", **values})
        user.outcomes.add_attempt(Attempt(user.account.username, user.account.subject_code, f"logs.1/conmeds.{number}",
                                          values, "create", response is not None and response.status_code == 302,
                                          getattr(response, "seconds", 0.0)))
        if think:
            time.sleep(pace.uniform(*think))


def measure(users: list[SimulatedUser], saves: int, *, login_needed: bool, think: tuple[float, float] | None = None) -> dict:
    outcomes = Outcomes()
    for user in users:
        user.outcomes = outcomes
    gate = threading.Barrier(len(users) + 1)
    threads = [threading.Thread(target=save_burst, args=(u, saves, gate), kwargs={"login_needed": login_needed, "think": think})
               for u in users]
    for thread in threads:
        thread.start()
    gate.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies = outcomes.save_seconds()
    return {
        "outcomes": outcomes, "saves": len(latencies), "failed": len(outcomes.attempts) - len(latencies), "seconds": elapsed,
        "throughput": len(latencies) / elapsed, "p50": percentile(latencies, 0.50), "p95": percentile(latencies, 0.95),
        "errors_5xx": len(outcomes.server_errors()),
    }


def run(args) -> int:
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with deployment(args.postgres, folder / "edc", users=args.users, workers=args.workers,
                        checkpoint_every=args.checkpoint_every, prefix="edc_bench_load") as live:
            journey = Outcomes()
            users = [SimulatedUser(live.server.base_url, account, journey) for account in live.accounts]
            began = time.perf_counter()
            errors = run_users(users, live.server.base_url, lambda user: user.journey(args.journey_forms), journey)
            journey_seconds = time.perf_counter() - began
            for user in users:  # the same logged-in sessions: a TOTP code is good once per user and step
                user.next_instance = 1000
            edc_paced = measure(users, args.paced_saves, login_needed=True, think=THINK_S)
            edc = measure(users, args.saves, login_needed=True)
            saved = journey.attempts + edc_paced["outcomes"].attempts + edc["outcomes"].attempts
            problems = invariant_problems(live.url, Outcomes(attempts=saved))
        print(f"journey: {args.users} users x {args.journey_forms} forms, {len(journey.responses)} requests in {journey_seconds:.1f} s, "
              f"{len(journey.server_errors())} x 5xx, {sum(r.status is None for r in journey.responses)} connection errors")
        failures += [f"journey thread: {e!r}" for e in errors]
        failures += [f"5xx: {r.method} {r.path} {r.status}"
                     for r in journey.server_errors() + edc_paced["outcomes"].server_errors() + edc["outcomes"].server_errors()]
        failures += problems

        name = unique_name("edc_bench_baseline")
        url = create_database(args.postgres, name)
        try:
            create_schema(url)
            env = {"BASELINE_DATABASE_URL": url}
            with Server("bench.baseline_app:app", args.workers, env, folder / "baseline.log").start() as server:
                plain = [SimulatedUser(server.base_url, SeededUser(u.username, "", "", u.subject_code), Outcomes())
                         for u in live.accounts]
                for user in plain:
                    user.next_instance = 1000
                baseline_paced = measure(plain, args.paced_saves, login_needed=False, think=THINK_S)
                baseline = measure(plain, args.saves, login_needed=False)
        finally:
            drop_database(args.postgres, name)

    ratio = edc["throughput"] / baseline["throughput"]
    print(f"\n{args.users} users against {args.workers} gunicorn workers on PostgreSQL, {os.cpu_count()} cores")
    print(f"{'':24} {'saves':>6} {'p50 ms':>8} {'p95 ms':>8} {'saves/s':>9} {'5xx':>4}")
    for label, row in ((f"EDC, paced {THINK_S[0]}-{THINK_S[1]} s", edc_paced), (f"baseline, paced", baseline_paced),
                       ("EDC, saturated", edc), ("baseline, saturated", baseline)):
        print(f"{label:24} {row['saves']:>6} {row['p50'] * 1000:>8.1f} {row['p95'] * 1000:>8.1f} {row['throughput']:>9.1f} "
              f"{row['errors_5xx']:>4}")
    print(f"\nEDC save p95 at the paced load {edc_paced['p95'] * 1000:.1f} ms (goal < {P95_GOAL_S * 1000:.0f} ms): "
          f"{'met' if edc_paced['p95'] < P95_GOAL_S else 'NOT met'}")
    print(f"saturated throughput {ratio:.2f} x baseline (goal >= {RATIO_GOAL}): {'met' if ratio >= RATIO_GOAL else 'NOT met'}")
    for row in (edc_paced, edc):
        if row["failed"]:
            failures.append(f"{row['failed']} EDC saves were not acknowledged")
    for line in failures:
        print("FAILED:", line)
    print("correctness: " + ("ledger verifies, chain linear, replay clean, every acknowledged save present" if not failures else "FAILED"))
    return 1 if failures else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--saves", type=int, default=40, help="saves per user in the saturated phase")
    parser.add_argument("--paced-saves", type=int, default=12, help="saves per user in the paced phase")
    parser.add_argument("--journey-forms", type=int, default=6, help="forms per user in the journey phase")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("EDC_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)
    if not args.postgres:
        parser.error("needs PostgreSQL: --postgres URL or EDC_TEST_POSTGRES_URL (e.g. from .ci/postgres.sh)")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
