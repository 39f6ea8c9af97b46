"""Ledger verification as a background run the browser can follow.

A run is started by a POST, executes :func:`edc.services.ledger_audit.verify_database` (the very
verifier behind ``edc ledger verify``) in a thread, and writes its progress and result as a small
JSON file in the instance folder; the status endpoint reads that file.  The thread reads through
its own connection: on SQLite a plain deferred transaction (WAL readers never block the writers,
unlike the app's ``BEGIN IMMEDIATE``), on PostgreSQL the app's pool (MVCC snapshots).
"""
from __future__ import annotations

import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from audit.verifier import VerificationReport

from . import ledger_audit

RUN_ID = re.compile(r"[0-9a-f]{16}")
RUNS_FOLDER = "ledger-verification-runs"


class UnknownRun(LookupError):
    pass


@dataclass(frozen=True)
class RunStore:
    folder: Path

    def _path(self, run_id: str) -> Path:
        if not RUN_ID.fullmatch(run_id or ""):
            raise UnknownRun(run_id)
        return self.folder / f"{run_id}.json"

    def write(self, run_id: str, state: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self._path(run_id)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")
        os.replace(scratch, path)

    def read(self, run_id: str) -> dict[str, Any]:
        try:
            return json.loads(self._path(run_id).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UnknownRun(run_id) from None

    def recent(self, limit: int = 5) -> list[dict[str, Any]]:
        if not self.folder.exists():
            return []
        paths = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
        runs = []
        for path in paths:
            try:
                runs.append(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, json.JSONDecodeError):
                continue
        return runs


def report_as_dict(report: VerificationReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "entries_checked": report.entries_checked,
        "checkpoints_checked": report.checkpoints_checked,
        "head_size": report.head_size,
        "head_root": report.head_root_hex,
        "first_bad_seq": report.first_bad_seq,
        "problem": report.problem,
        "problem_kind": report.problem_kind,
        "key_history": [period._asdict() for period in report.key_history],
        "summary": report.summary(),
    }


def reader_engine(database_url: str, app_engine: Engine) -> tuple[Engine, bool]:
    """The engine the run reads through, and whether the run owns (must dispose) it."""
    if database_url.startswith("sqlite"):
        return create_engine(database_url, connect_args={"timeout": 10}), True
    return app_engine, False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def execute_run(store: RunStore, run_id: str, session: Session) -> dict[str, Any]:
    """Verify, then list every consent-precedence finding; progress and result go to ``store``."""
    state = store.read(run_id)
    total = ledger_audit.entry_count(session)
    state.update(total=total, phase="verifying entries")
    store.write(run_id, state)

    def progress(done: int) -> None:
        state["done"] = done
        store.write(run_id, state)

    report = ledger_audit.verify_database(session, progress=progress)
    state.update(done=report.entries_checked, phase="checking consent precedence")
    store.write(run_id, state)
    findings, subjects = ledger_audit.precedence_findings(session)
    state.update(
        state="done", phase="finished", finished_at=_now(), result=report_as_dict(report),
        precedence={"subjects": subjects, "problems": [{"seq": seq, "message": message} for seq, message in findings]},
    )
    store.write(run_id, state)
    return state


def _thread_body(store: RunStore, run_id: str, engine_factory: Callable[[], tuple[Engine, bool]]) -> None:
    engine, owned = engine_factory()
    try:
        with Session(engine) as session:
            execute_run(store, run_id, session)
    except Exception as error:  # the run must end in a state the page can show
        state = store.read(run_id)
        state.update(state="error", phase="failed", finished_at=_now(), error=f"{type(error).__name__}: {error}")
        store.write(run_id, state)
    finally:
        if owned:
            engine.dispose()


def start_run(store: RunStore, engine_factory: Callable[[], tuple[Engine, bool]], started_by: str) -> str:
    run_id = secrets.token_hex(8)
    store.write(run_id, {"id": run_id, "state": "running", "phase": "starting", "done": 0, "total": None,
                         "started_at": _now(), "started_by": started_by})
    threading.Thread(target=_thread_body, args=(store, run_id, engine_factory), name=f"ledger-verify-{run_id}",
                     daemon=True).start()
    return run_id
