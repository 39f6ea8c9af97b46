"""Another process holds the SQLite database locked for longer than the busy timeout: the user
sees "Please try again" (never a stack trace), nothing is half-written, and the page keeps what
was typed so one click sends it again once the lock is gone."""
from __future__ import annotations

import html
import re
import sqlite3
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from edc.models import FormInstance, ItemValue, LedgerEntry
from edc.services.ledger_audit import verify_database
from edc.services.replay import compare_with_tables
from tests.fixtures.accounts import csrf_token_from
from tests.support.databases import Backend

URL = "/subjects/{code}/forms/logs/1/conmeds/{n}"
TYPED = {"CMTRT": "dexamethasone <b>", "CMDOSE_MG_DAY": "4.50", "CMROUTE": "ORAL", "CMSTDTC": "2026-11-03",
         "CMENDTC": "", "CMONGO": "Y"}
HIDDEN = re.compile(r'<input type="hidden" name="([^"]*)" value="([^"]*)">')
BUSY_TIMEOUT_S = "0.3"


@pytest.fixture
def backend() -> Backend:
    return Backend("sqlite")


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch):
    monkeypatch.setenv("EDC_SQLITE_BUSY_TIMEOUT_S", BUSY_TIMEOUT_S)


@pytest.fixture
def locker(database_url):
    """A second connection that takes the database's write lock on demand, as another process would."""
    connection = sqlite3.connect(make_url(database_url).database, isolation_level=None, timeout=5)
    yield connection
    if connection.in_transaction:
        connection.execute("ROLLBACK")
    connection.close()


def _counts(db) -> tuple[int, int, int]:
    db.expire_all()
    return tuple(db.execute(select(func.count()).select_from(t)).scalar_one() for t in (LedgerEntry, FormInstance, ItemValue))


def test_the_busy_timeout_comes_from_the_environment(app):
    assert app.config["EDC_SQLITE_BUSY_TIMEOUT_S"] == float(BUSY_TIMEOUT_S)


def test_a_save_while_another_process_holds_the_lock_asks_to_try_again_and_keeps_what_was_typed(
    app, client, db, make_user, login, make_subject, locker
):
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    login(client, coordinator)
    page = client.get(URL.format(code=subject.code, n=1))
    form = {"csrf_token": csrf_token_from(page.data), "revision": "0", "form_version": "1", **TYPED}
    before = _counts(db)

    locker.execute("BEGIN EXCLUSIVE")
    began = time.monotonic()
    refused = client.post(URL.format(code=subject.code, n=1), data=form)
    waited = time.monotonic() - began
    locker.execute("ROLLBACK")

    body = refused.get_data(as_text=True)
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert "Please try again" in body and "Nothing was saved" in body
    assert "Traceback" not in body and "OperationalError" not in body and "database is locked" not in body
    assert waited >= float(BUSY_TIMEOUT_S), "the request waited for the lock before giving up"
    assert _counts(db) == before

    kept = {html.unescape(name): html.unescape(value) for name, value in HIDDEN.findall(body)}
    assert kept == form, "the retry form carries exactly what was typed"
    assert 'value="dexamethasone &lt;b&gt;"' in body and "dexamethasone <b>" not in body, "typed values come back escaped"

    retried = client.post(URL.format(code=subject.code, n=1), data=kept)
    assert retried.status_code == 302
    db.expire_all()
    assert db.execute(select(ItemValue.value).where(ItemValue.field == "CMTRT")).scalar_one() == "dexamethasone <b>"
    assert _counts(db)[0] == before[0] + 1
    assert verify_database(db).ok and compare_with_tables(db) == []


def test_a_page_read_while_the_database_is_locked_is_the_same_clear_503_without_a_form(
    app, client, make_user, login, make_subject, locker
):
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    login(client, coordinator)
    locker.execute("BEGIN EXCLUSIVE")
    response = client.get(f"/subjects/{subject.code}")
    locker.execute("ROLLBACK")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and "Please try again" in body
    assert "<form" not in body and "Traceback" not in body
    assert client.get(f"/subjects/{subject.code}").status_code == 200, "the next request works once the lock is gone"
