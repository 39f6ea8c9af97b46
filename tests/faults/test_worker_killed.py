"""A gunicorn worker is killed with SIGKILL in the middle of saves: the database rolls back what the
dead worker had not committed, so no form instance is half-written and no ledger entry is orphaned;
every acknowledged save is there, the ledger verifies and replays to the tables, and the master's
replacement worker serves the users on."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tests.load.harness import Outcomes, deployment, invariant_problems, require_postgres_server, run_users

pytestmark = pytest.mark.postgres

USERS = 4
WORKERS = 2
KILLS = 3


def _wait(condition, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_worker_killed_during_saves_leaves_no_half_written_record_and_loses_no_acknowledged_save(tmp_path):
    server_url = require_postgres_server()
    outcomes = Outcomes()
    stop = threading.Event()
    killed: list[int] = []
    thread_errors: list[BaseException] = []

    def keep_saving(user) -> None:
        index = 0
        while not stop.is_set() and index < 60:
            number, saved = user.create({"CMTRT": f"drug-{index}", "CMDOSE_MG_DAY": f"{index}.5", "CMROUTE": "IV",
                                         "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"})
            if saved and index % 2:
                user.edit(number, {"CMTRT": f"drug-{index}", "CMDOSE_MG_DAY": f"{index}.75", "CMROUTE": "IV",
                                   "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"})
            index += 1

    with deployment(server_url, tmp_path, users=USERS, workers=WORKERS, checkpoint_every=10, prefix="edc_fault_kill") as live:
        runner = threading.Thread(target=lambda: thread_errors.extend(
            run_users(live.accounts, live.server.base_url, keep_saving, outcomes)))
        runner.start()
        try:
            for kill in range(KILLS):
                assert _wait(lambda: sum(a.acknowledged for a in outcomes.attempts) >= 6 * (kill + 1)), live.server.log_tail()
                victim = live.server.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
                assert _wait(lambda: len(set(live.server.worker_pids()) - set(killed)) == WORKERS), "gunicorn replaced the worker"
            acknowledged_before_stop = sum(a.acknowledged for a in outcomes.attempts)
            assert _wait(lambda: sum(a.acknowledged for a in outcomes.attempts) >= acknowledged_before_stop + 8), "saving goes on"
        finally:
            stop.set()
            runner.join(timeout=120)
        problems = invariant_problems(live.url, outcomes)
        log = live.server.log_tail()

    assert thread_errors == []
    assert outcomes.server_errors() == [], log
    interrupted = [r for r in outcomes.responses if r.status is None]
    assert interrupted, "at least one request was cut off by a kill (else the test proved nothing)"
    assert all(r.error in ("ConnectionError", "ChunkedEncodingError") for r in interrupted), {r.error for r in interrupted}
    print(f"{len(outcomes.responses)} requests, {len(interrupted)} cut off by {KILLS} kills "
          f"({sum(r.method == 'POST' for r in interrupted)} of them saves); "
          f"{sum(a.acknowledged for a in outcomes.attempts)} saves acknowledged")
    assert problems == []
