"""The PostgreSQL role of docs/operations.md: the grants block is executed verbatim, the app's
services run as that role (accounts, subjects, data entry with corrections, queries, checkpoints,
verification), and the role can neither rewrite nor remove history: UPDATE, DELETE and TRUNCATE on
the ledger and DELETE on data are refused by the grants themselves (before any trigger), and the
role owns nothing and cannot create tables."""
from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import Session

from edc.cli import main
from edc.services.ledger_audit import verify_database
from edc.services.replay import compare_with_tables
from tests.fixtures.accounts import csrf_token_from
from tests.support.databases import BACKENDS, Backend

pytestmark = pytest.mark.postgres

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
MARKER = "<!-- app-role-grants: executed verbatim by tests/faults/test_database_role.py -->"
URL = "/subjects/{code}/forms/logs/1/conmeds/{n}"
VALID = {"CMTRT": "ondansetron", "CMDOSE_MG_DAY": "8.00", "CMROUTE": "IV", "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"}
POSTGRES = [b for b in BACKENDS if b.name == "postgres"]


def documented_grants() -> str:
    after = DOC.read_text().split(MARKER, 1)[1]
    match = re.match(r"\s*```sql\n(.*?)```", after, re.S)
    assert match, "the grants block follows its marker in docs/operations.md"
    return match.group(1)


@pytest.fixture(params=POSTGRES or [pytest.param(None, marks=pytest.mark.skip(
    reason="needs PostgreSQL: set EDC_TEST_POSTGRES_URL (CI always does)"))], ids=lambda b: "postgres")
def backend(request) -> Backend:
    return request.param


@pytest.fixture
def app_role(database_url):
    """A fresh login role given exactly the documented grants on this test's database."""
    role = f"edc_app_{uuid.uuid4().hex[:10]}"
    owner = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE'))
        conn.execute(text(documented_grants().replace("edc_app", f'"{role}"')))
    yield role, make_url(database_url).set(username=role).render_as_string(hide_password=False)
    with owner.connect() as conn:
        conn.execute(text(f'DROP OWNED BY "{role}"'))
        conn.execute(text(f'DROP ROLE "{role}"'))
    owner.dispose()


@pytest.fixture
def app(app_role, ledger_key_file, tmp_path):
    """The app connected as the restricted role (the conftest's app connects as the owner)."""
    from edc import create_app

    application = create_app({"TESTING": True, "EDC_DATABASE_URL": app_role[1], "EDC_LEDGER_KEY_FILE": str(ledger_key_file),
                              "EDC_CHECKPOINT_EVERY": 5, "SERVER_NAME": "edc.test"})
    application.instance_path = str(tmp_path / "instance")
    yield application
    application.extensions["edc_engine"].dispose()


def _post(client, path: str, data: dict):
    page = client.get(path).get_data(as_text=True)
    revision = re.search(r'name="revision" type="hidden" value="(\d*)"', page)
    return client.post(path, data={"csrf_token": csrf_token_from(page), **({"revision": revision.group(1)} if revision else {}),
                                   **data})


REFUSED = [
    "UPDATE ledger_entries SET action = 'crf.updated' WHERE seq = 2",
    "DELETE FROM ledger_entries WHERE seq = 2",
    "TRUNCATE ledger_entries",
    "UPDATE ledger_checkpoints SET note = 'forged'",
    "DELETE FROM ledger_checkpoints",
    "DELETE FROM item_values",
    "DELETE FROM form_instances",
    "DELETE FROM users",
    "TRUNCATE item_values",
    "INSERT INTO alembic_version VALUES ('9999')",
]


def test_the_app_runs_as_the_documented_role_and_that_role_cannot_rewrite_or_remove_history(
    app, app_role, client, make_user, make_subject, login, runner
):
    role, role_url = app_role
    coordinator = make_user("coordinator")
    monitor = make_user("monitor")
    subject = make_subject(coordinator)
    login(client, coordinator)
    form = URL.format(code=subject.code, n=1)
    assert _post(client, form, {"form_version": "1", **VALID}).status_code == 302
    assert _post(client, form, {"form_version": "1", **VALID, "CMDOSE_MG_DAY": "9.00", "confirm": "yes",
                                "reason_code": "TRANSCRIPTION", "reason_text": "Dose misread"}).status_code == 302
    monitor_client = app.test_client()
    login(monitor_client, monitor)
    assert _post(monitor_client, form + "/queries", {"field": "CMDOSE_MG_DAY", "text": "Please confirm the dose"}).status_code == 302
    assert runner.invoke(main, ["ledger", "checkpoint"]).exit_code == 0

    engine = create_engine(role_url)
    try:
        with Session(engine) as session:
            assert verify_database(session).ok
            assert compare_with_tables(session) == []
            assert session.execute(text("SELECT rolsuper OR rolcreatedb OR rolcreaterole FROM pg_roles WHERE rolname = :r"),
                                   {"r": role}).scalar_one() is False
            assert session.execute(text("SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
                                        "WHERE r.rolname = :r"), {"r": role}).scalar_one() == 0
        for statement in REFUSED + ["CREATE TABLE shadow_ledger (seq integer)"]:
            with engine.connect() as conn, pytest.raises(ProgrammingError, match="permission denied for (table|schema)"):
                conn.execute(text(statement))
    finally:
        engine.dispose()
