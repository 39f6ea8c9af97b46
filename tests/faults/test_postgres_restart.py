"""PostgreSQL restarts while users are saving: requests in flight get the clear "Please try again"
page (503, no stack trace), nothing acknowledged is lost, and the same gunicorn workers carry on
once the database is back - the pool replaces its dead connections (``pool_pre_ping``), no
application restart.  Runs on a throwaway cluster of its own (``.ci/postgres.sh``), never the
shared one."""
from __future__ import annotations

import glob
import os
import secrets
import shutil
import subprocess
import threading
import time

import pytest

from tests.load.harness import REPO, CONMED, Outcomes, deployment, free_port, invariant_problems, run_users

pytestmark = pytest.mark.postgres

USERS = 3
WORKERS = 2


def _bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _as_postgres(*command: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def own_cluster():
    bindir = _bindir()
    if bindir is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must have PostgreSQL installed (.ci/postgres.sh)")
        pytest.skip("needs the PostgreSQL server binaries (/usr/lib/postgresql/*/bin) for a throwaway cluster")
    datadir = f"/tmp/edc-fault-pg-{secrets.token_hex(4)}"
    port = free_port()
    url = subprocess.run([str(REPO / ".ci" / "postgres.sh"), datadir, str(port)], check=True, capture_output=True,
                         text=True, timeout=120).stdout.strip()
    yield url, (lambda: subprocess.run(
        _as_postgres(f"{bindir}/pg_ctl", "-D", datadir, "-l", f"{datadir}/server.log", "-m", "fast", "-w", "restart"),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60))
    subprocess.run(_as_postgres(f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"), capture_output=True, timeout=60)
    shutil.rmtree(datadir, ignore_errors=True)


def _wait(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_database_restart_during_saves_shows_try_again_loses_nothing_and_recovers_without_restarting_the_app(
    own_cluster, tmp_path
):
    server_url, restart_database = own_cluster
    outcomes = Outcomes()
    stop = threading.Event()
    thread_errors: list[BaseException] = []

    def keep_saving(user) -> None:
        while not stop.is_set():
            user.create(dict(CONMED, CMTRT=f"drug-{user.next_instance}"))

    with deployment(server_url, tmp_path, users=USERS, workers=WORKERS, prefix="edc_fault_restart") as live:
        workers_before = live.server.worker_pids()
        runner = threading.Thread(target=lambda: thread_errors.extend(
            run_users(live.accounts, live.server.base_url, keep_saving, outcomes)))
        runner.start()
        try:
            assert _wait(lambda: sum(a.acknowledged for a in outcomes.attempts) >= 6), live.server.log_tail()
            restart_database()
            restarted_at = len(outcomes.attempts)
            assert _wait(lambda: sum(a.acknowledged for a in outcomes.attempts[restarted_at:]) >= 6), (
                "saving works again once the database is back\n" + live.server.log_tail())
        finally:
            stop.set()
            runner.join(timeout=60)
        workers_after = live.server.worker_pids()
        problems = invariant_problems(live.url, outcomes)

    assert thread_errors == []
    failed = outcomes.server_errors()
    assert failed, "requests in flight during the restart failed (else the test proved nothing)"
    assert {r.status for r in failed} == {503}
    for response in failed:
        assert "Please try again" in response.body and "Nothing was saved" in response.body
        assert "Traceback" not in response.body and "psycopg" not in response.body and "sqlalchemy" not in response.body
    assert [r for r in outcomes.responses if r.status is None] == [], "no connection was dropped by the app"
    assert workers_after == workers_before, "the same workers served before and after: no restart of the app"
    print(f"{len(outcomes.responses)} requests, {len(failed)} answered 503 during the restart, "
          f"{sum(a.acknowledged for a in outcomes.attempts)} saves acknowledged")
    assert problems == []
