"""Ledger benchmark on the real storage: appends through ``edc.services.ledger.append`` on SQLite
and PostgreSQL, full verification with 1 and 2 workers, inclusion proofs - each beside the raw limit
measured in the same run on the same payloads (``bench/ledger_raw.py``).

Run ``python bench/ledger.py [--entries 100000] [--postgres URL]``; PostgreSQL is skipped without a
URL (``EDC_TEST_POSTGRES_URL`` is read too).  Goals (issue 3): verification >= 0.85 x the raw verify
pipeline per worker; batched append >= 0.5 x the raw sign pipeline; inclusion proof < 5 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sqlalchemy.orm import sessionmaker  # noqa: E402

from audit.entry import Actor, RecordRef  # noqa: E402
from audit.keys import generate_key_file  # noqa: E402
from audit.merkle import MerkleTree  # noqa: E402
from audit.verifier import verify_entries  # noqa: E402
from bench.ledger_raw import inclusion_proof_seconds, raw_pipeline_rates, realistic_payload  # noqa: E402
from tests.load.harness import create_database, drop_database  # noqa: E402
from edc.db import make_engine  # noqa: E402
from edc.migrate import upgrade  # noqa: E402
from edc.services import ledger as ledger_service  # noqa: E402

BENCH_DATABASE = f"edc_bench_{os.getpid()}"
ACTOR = Actor(user_id=7, name="Dr Bench Mark", role="investigator")


def _fresh_database(kind: str, folder: Path, server_url: str | None) -> str:
    if kind == "sqlite":
        url = f"sqlite:///{folder / 'bench.sqlite3'}"
        upgrade(url)
        return url
    return create_database(server_url, BENCH_DATABASE)


def _append(sessions, config, count: int, start: int, per_transaction: int) -> float:
    """Entries per second through ``append``; payloads are built before the clock starts, as for the raw limit."""
    payloads = [realistic_payload(start + i) for i in range(count)]
    began = time.perf_counter()
    done = 0
    while done < count:
        session = sessions()
        with session.begin():
            for i in range(min(per_transaction, count - done)):
                n = start + done + i
                ledger_service.append(session, config, actor=ACTOR, action="crf.updated",
                                      record=RecordRef(site="RAH", subject=f"RAH-{n % 10:03d}", form="screening",
                                                       instance=f"screening.1/screening.{n}"),
                                      payload=payloads[n - start], reason="Transcription error: bench")
        session.close()
        done += per_transaction
    return count / (time.perf_counter() - began)


def run_backend(kind: str, entries: int, single: int, folder: Path, server_url: str | None, key_file: Path) -> dict:
    url = _fresh_database(kind, folder, server_url)
    engine = make_engine(url)
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    config = ledger_service.LedgerConfig(key_file=key_file, origin="bench.example/ledger", checkpoint_every=0,
                                         clock=lambda: datetime.now(timezone.utc))
    batched = _append(sessions, config, entries - single, 0, per_transaction=1000)
    one_each = _append(sessions, config, single, entries - single, per_transaction=1)
    session = sessions()
    with session.begin():
        ledger_service.make_checkpoint(session, config)
    records = list(ledger_service.iter_records(session))
    notes = ledger_service.checkpoint_notes(session)
    session.close()
    rates = {}
    for workers in (1, 2):
        began = time.perf_counter()
        report = verify_entries(records, checkpoints=notes, workers=workers)
        rates[workers] = len(records) / (time.perf_counter() - began)
        assert report.ok, report.summary()
    engine.dispose()
    return {"batched": batched, "single": one_each, "verify": rates, "records": records}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=2_000, help="entries appended one transaction each")
    parser.add_argument("--postgres", default=os.environ.get("EDC_TEST_POSTGRES_URL"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key_file = folder / "ledger-key.pem"
        generate_key_file(key_file)
        backends = ["sqlite"] + (["postgres"] if args.postgres else [])
        results = {kind: run_backend(kind, args.entries, min(args.single, args.entries // 2), folder, args.postgres, key_file)
                   for kind in backends}
        sample = results["sqlite"]["records"][1 : 1 + min(args.entries, 20_000)]
        bodies = [json.loads(body) for _, body, _ in sample]
        raw = raw_pipeline_rates(bodies)
        mean_body = sum(len(body) for _, body, _ in sample) / len(sample)
        print(f"raw limits on the same entry bodies (mean {mean_body:.0f} bytes): "
              f"{', '.join(f'{k} {v:,.0f}/s' for k, v in raw.items())}")
        for kind, result in results.items():
            sign_limit = raw["sign_pipeline"]
            verify_limit = raw["verify_pipeline"]
            print(f"\n[{kind}] {args.entries:,} entries")
            print(f"  append, 1000 per transaction: {result['batched']:,.0f}/s = {result['batched'] / sign_limit:.2f} x raw sign pipeline (goal >= 0.5)")
            print(f"  append, 1 per transaction:    {result['single']:,.0f}/s = {result['single'] / sign_limit:.2f} x raw sign pipeline")
            for workers, rate in result["verify"].items():
                ratio = rate / (verify_limit * workers)
                print(f"  verify, {workers} worker(s):          {rate:,.0f}/s = {ratio:.2f} x raw verify pipeline per worker (goal >= 0.85)")
        tree = MerkleTree(leaf for leaf in (bytes(32 * [i % 256]) for i in range(args.entries)))
        median, worst = inclusion_proof_seconds(tree)
        print(f"\ninclusion proof at {args.entries:,} entries: median {median * 1000:.3f} ms, worst {worst * 1000:.3f} ms (goal < 5 ms)")
        if args.postgres:
            drop_database(args.postgres, BENCH_DATABASE)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
