"""Each role lands on its work: the home-page panels per role, and the page that shows them."""
from __future__ import annotations

import pytest

from tests.fixtures.accounts import app_session
from tests.integration.monitor.support import VALID, form_target, instance_in, subject_in


def panels(app, account, latest_run=None):
    from edc.models import User
    from edc.services.worklists import panels_for

    with app_session(app) as session:
        return {p.title: p.rows for p in panels_for(session, session.get(User, account.user.id), latest_run=latest_run)}


@pytest.fixture
def subject(team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": None})  # incomplete: an automatic query opens
    return subject


def test_site_staff_see_incomplete_forms_and_open_queries(app, team, subject):
    mine = panels(app, team.coordinator)
    assert [r["Subject"] for r in mine["Forms incomplete"]] == [subject.code]
    [query] = mine["Open queries for your site"]
    assert query["Field"] == "CMDOSE_MG_DAY" and query["Age (days)"] == 0


def test_monitors_see_sdv_pending_then_changed_since_verified(app, team, act, enter, subject):
    from edc.services import sdv

    assert [r["Record"] for r in panels(app, team.monitor)["SDV pending"]] == ["logs.1/conmeds.1"]
    act(team.monitor, lambda s, l, u: sdv.verify_form(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code)))
    assert panels(app, team.monitor)["SDV pending"] == []
    enter(team.coordinator, subject.code, VALID, reason=("NEW_INFORMATION", "dose found"))
    mine = panels(app, team.monitor)
    assert [r["Changed fields"] for r in mine["Changed since verified"]] == ["CMDOSE_MG_DAY"]


def test_data_managers_see_query_aging_and_what_blocks_locking(app, team, subject):
    mine = panels(app, team.data_manager)
    assert mine["Query aging"] == [{"site": "RAH", "0-7 days": 1, "8-14 days": 0, "15-30 days": 0, "over 30 days": 0, "total": 1}]
    [blocked] = mine["What blocks locking"]
    assert blocked["Subject"] == subject.code and blocked["Blockers"] == 3


def test_investigators_see_what_awaits_their_signature(app, team, sign, enter, subject):
    assert panels(app, team.investigator)["Awaiting your signature"] == []  # incomplete forms are not yet for signing
    enter(team.coordinator, subject.code, VALID, reason=("NEW_INFORMATION", "dose found"))
    assert [r["Record"] for r in panels(app, team.investigator)["Awaiting your signature"]] == ["logs.1/conmeds.1"]
    sign(team.investigator, form_target(subject.code), "review")
    assert panels(app, team.investigator)["Awaiting your signature"] == []


def test_auditors_see_the_latest_checkpoint(app, team, subject):
    from edc.db import transaction
    from edc.services import ledger as ledger_service
    from edc.wiring import ledger_config

    assert panels(app, team.auditor)["Ledger checkpoint"] == []
    with app_session(app) as session:
        with transaction(session):
            checkpoint = ledger_service.make_checkpoint(session, ledger_config())
            size, root = checkpoint.size, bytes(checkpoint.root_hash).hex()
    [row] = panels(app, team.auditor)["Ledger checkpoint"]
    assert row["Latest checkpoint"] == f"{size} entries" and row["Root hash"] == root


@pytest.mark.parametrize("run, outcome", [
    ({"state": "done", "result": {"ok": True, "summary": "all good"}}, "passed"),
    ({"state": "done", "result": {"ok": False, "summary": "entry 12: bad signature"}}, "FAILED: entry 12: bad signature"),
    ({"state": "running", "result": None}, "running"),
])
def test_auditors_see_the_last_verification_run(app, team, run, outcome):
    assert panels(app, team.auditor)["Ledger verification"] == []
    latest = {"id": "0123456789abcdef", "started_at": "2026-11-25T10:00:00+00:00", "started_by": "Audrey Auditor", **run}
    [row] = panels(app, team.auditor, latest_run=latest)["Ledger verification"]
    assert row["Outcome"] == outcome and row["By"] == "Audrey Auditor"


def test_the_auditor_home_page_shows_the_run_kept_in_the_instance_folder(app, client, login, team):
    from pathlib import Path

    from edc.services.verification_runs import RUNS_FOLDER, RunStore

    RunStore(Path(app.instance_path) / RUNS_FOLDER).write("0123456789abcdef", {
        "id": "0123456789abcdef", "started_at": "2026-11-25T10:00:00+00:00", "started_by": "Audrey Auditor",
        "state": "done", "result": {"ok": True, "summary": "all good"}})
    login(client, team.auditor)
    page = client.get("/").get_data(as_text=True)
    assert "Audrey Auditor" in page and "passed" in page


@pytest.mark.parametrize("role, title", [
    ("coordinator", "Open queries for your site"), ("investigator", "Awaiting your signature"),
    ("monitor", "SDV pending"), ("data_manager", "What blocks locking"), ("auditor", "Ledger checkpoint"),
])
def test_the_home_page_shows_each_roles_panels(client, login, team, subject, role, title):
    login(client, getattr(team, role))
    page = client.get("/")
    assert page.status_code == 200 and title.encode() in page.data
