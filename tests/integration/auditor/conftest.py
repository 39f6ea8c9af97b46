"""The auditor tests reuse the exports' small study, and tamper with the ledger as an attacker with
database access would: drop (SQLite) or disable (PostgreSQL) the append-only trigger, then UPDATE."""
from __future__ import annotations

import time
from typing import Callable

import pytest
from sqlalchemy import select, text

from tests.fixtures.accounts import csrf_token_from
from tests.integration.exports.conftest import study  # noqa: F401  (fixture)


def tamper_entry(app, backend, seq: int, mutate: Callable[[bytes], bytes]) -> None:
    from edc.db import get_session
    from edc.models import LedgerEntry

    with app.app_context():
        db = get_session()
        if backend.name == "sqlite":
            db.execute(text("DROP TRIGGER IF EXISTS ledger_entries_no_update"))
        else:
            db.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only"))
        body = bytes(db.execute(select(LedgerEntry.body).where(LedgerEntry.seq == seq)).scalar_one())
        changed = mutate(body)
        assert changed != body and len(changed) == len(body)
        db.execute(text("UPDATE ledger_entries SET body = :body WHERE seq = :seq"), {"body": changed, "seq": seq})
        db.commit()


@pytest.fixture
def auditor(make_user, login, client):
    account = make_user("auditor", printed_name="Ava Auditor")
    login(client, account)
    return account


def token(client) -> str:
    return csrf_token_from(client.get("/auditor/ledger").data)


def verify_in_browser(client, timeout_s: float = 60) -> tuple[str, dict]:
    """Start a verification as the page does and poll its status until it ends; (run page URL, state)."""
    response = client.post("/auditor/ledger/verify", data={"csrf_token": token(client)})
    assert response.status_code == 302
    run_url = response.headers["Location"]
    deadline = time.monotonic() + timeout_s
    while True:
        status = client.get(run_url + "/status")
        assert status.status_code == 200 and status.mimetype == "application/json"
        state = status.get_json()
        if state["state"] != "running":
            return run_url, state
        assert time.monotonic() < deadline, "verification did not finish"
        time.sleep(0.05)
