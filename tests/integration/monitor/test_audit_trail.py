"""Audit trail completeness: a save, an edit with reason, a query and a signature all appear, in
ledger order, with the right old -> new values, reasons, people and hashes; field, form, subject
and study views; filters; CSV export that the csv module reads; who may see it."""
from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from tests.fixtures.accounts import ledger_entries
from tests.integration.monitor.support import VALID, form_target, instance_in, subject_in


@pytest.fixture
def history(team, act, sign, enter, make_subject):
    """Save, edit with reason, a query on the edited field, a signature."""
    from edc.services import queries

    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, VALID)
    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": "4.00"}, reason=("TRANSCRIPTION", "typed 8 for 4"))
    act(team.monitor, lambda s, l, u: queries.open_query(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code),
                                                         "CMDOSE_MG_DAY", "Is 4 mg/day the prescribed dose?"))
    sign(team.investigator, form_target(subject.code), "review")
    return subject


def rows_for(act, account, **filters):
    from edc.services import audit_trail

    return act(account, lambda s, l, u: audit_trail.trail(s, u, audit_trail.TrailFilters(**filters), default_zone="Asia/Tehran"))


def test_a_save_an_edit_a_query_and_a_signature_all_appear_with_values_and_reasons(db, team, act, history):
    rows = rows_for(act, team.auditor, subject=history.code)
    dose = [(r.action, r.old, r.new, r.reason, r.who, r.role) for r in rows if r.field == "CMDOSE_MG_DAY"]
    assert dose == [
        ("crf.created", "", "8.00", "", "Cora Coordinator", "coordinator"),
        ("crf.updated", "8.00", "4.00", "Transcription error: typed 8 for 4", "Cora Coordinator", "coordinator"),
        ("query.opened", "", "open", "", "Mona Monitor", "monitor"),
    ]
    [query] = [r for r in rows if r.action == "query.opened"]
    assert "Is 4 mg/day the prescribed dose?" in query.detail
    [signed] = [r for r in rows if r.action == "signature.signed"]
    [entry] = ledger_entries(db, "signature.signed")
    assert signed.who == "Dr Ivan Investigator" and signed.role == "investigator"
    assert "review" in signed.detail and entry.payload["content_sha256"] in signed.detail
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    created = [r for r in rows if r.action == "crf.created"]
    assert {r.field for r in created} == {"CMTRT", "CMDOSE_MG_DAY", "CMROUTE", "CMSTDTC", "CMONGO"}


def test_each_row_carries_the_entry_hash_and_both_clocks(db, team, act, history):
    from edc.models import LedgerEntry

    rows = rows_for(act, team.auditor, subject=history.code, action="signature.signed")
    [row] = rows
    leaf = db.execute(select(LedgerEntry.leaf_hash).where(LedgerEntry.seq == row.seq)).scalar_one()
    assert row.entry_hash == bytes(leaf).hex()
    assert row.ts.endswith("Z") and row.site_time.endswith("Asia/Tehran")


def test_the_field_trail_holds_only_that_fields_history(team, act, history):
    rows = rows_for(act, team.monitor, subject=history.code, instance="logs.1/conmeds.1", field="CMDOSE_MG_DAY")
    assert [(r.action, r.field) for r in rows] == [
        ("crf.created", "CMDOSE_MG_DAY"), ("crf.updated", "CMDOSE_MG_DAY"), ("query.opened", "CMDOSE_MG_DAY"),
    ]


@pytest.mark.parametrize("filters, actions", [
    ({"action": "query"}, {"query.opened"}),
    ({"action": "crf.updated"}, {"crf.updated"}),
    ({"actor": "investigator"}, {"signature.signed"}),
    ({"form": "conmeds", "action": "signature"}, {"signature.signed"}),
    ({"date_from": "2000-01-01", "date_to": "2000-01-02"}, set()),
])
def test_the_filters_narrow_the_trail(team, act, history, filters, actions):
    from edc.services.audit_trail import parse_date

    typed = {key: parse_date(value) if key.startswith("date_") else value for key, value in filters.items()}
    rows = rows_for(act, team.data_manager, subject=history.code, **typed)
    assert {r.action for r in rows} == actions


def test_a_site_monitor_sees_only_its_sites_and_site_staff_see_no_trail(team, act, history, make_site, make_user):
    from edc.services.errors import PermissionDenied

    outsider = make_user("monitor", make_site("TUMS"))
    assert rows_for(act, outsider, subject=history.code) == []
    assert {r.site for r in rows_for(act, outsider)} == {"TUMS"}
    assert rows_for(act, team.monitor, subject=history.code)
    for account in (team.coordinator, team.investigator):
        with pytest.raises(PermissionDenied):
            rows_for(act, account)


def test_the_pages_show_the_trail_and_the_csv_export_parses_and_is_ledgered(app, client, login, db, team, history):
    login(client, team.auditor)
    study = client.get("/audit/")
    assert study.status_code == 200 and b"crf.updated" in study.data and b"Transcription error: typed 8 for 4" in study.data
    subject_page = client.get(f"/audit/subjects/{history.code}")
    assert subject_page.status_code == 200 and b"signature.signed" in subject_page.data
    field_page = client.get(f"/audit/subjects/{history.code}/forms/logs/1/conmeds/1/fields/CMDOSE_MG_DAY")
    assert field_page.status_code == 200 and b"Is 4 mg/day the prescribed dose?" in field_page.data
    assert b"CMROUTE" not in field_page.data.split(b"<tbody>")[1]
    assert client.get(f"/audit/subjects/{history.code}/forms/logs/1/conmeds/1").status_code == 200

    response = client.get(f"/audit/subjects/{history.code}?format=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data()
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    edit = [r for r in rows if r["action"] == "crf.updated" and r["field"] == "CMDOSE_MG_DAY"]
    assert [(r["old"], r["new"], r["reason"], r["who"]) for r in edit] == [("8.00", "4.00", "Transcription error: typed 8 for 4", "Cora Coordinator")]
    assert all(r["subject"] == history.code for r in rows)
    [export] = ledger_entries(db, "export.audit_trail")
    assert export.payload["sha256"] == hashlib.sha256(body).hexdigest() and export.payload["rows"] == len(rows)
    assert export.actor.name == "Audrey Auditor"

    study_csv = client.get("/audit/?format=csv&action=query")
    assert [r["action"] for r in csv.DictReader(io.StringIO(study_csv.get_data(as_text=True)))] == ["query.opened"]


def test_the_study_csv_is_streamed_in_batches(app, team, act, history, monkeypatch):
    from edc.services import audit_trail

    calls = []
    original = audit_trail._statement

    def counting(*args):
        calls.append(args[2])
        return original(*args)

    monkeypatch.setattr(audit_trail, "_statement", counting)
    chunks = act(team.auditor, lambda s, l, u: list(audit_trail.csv_chunks(s, u, audit_trail.TrailFilters(), default_zone="UTC", batch=3)))
    lines = list(csv.reader(io.StringIO("".join(chunks))))
    assert lines[0] == list(audit_trail.CSV_COLUMNS)
    assert len(calls) > 3 and calls == sorted(calls)


@pytest.mark.parametrize("role", ["coordinator", "investigator"])
def test_site_staff_get_403_on_every_trail_view(client, login, team, history, role):
    login(client, getattr(team, role))
    for url in ("/audit/", f"/audit/subjects/{history.code}", f"/audit/subjects/{history.code}?format=csv",
                f"/audit/subjects/{history.code}/forms/logs/1/conmeds/1/fields/CMTRT"):
        assert client.get(url).status_code == 403


def test_sealed_identifiers_never_appear_in_clear(app, team, act, history):
    from audit.entry import RecordRef
    from edc.services import identifiers
    from edc.services import ledger as ledger_service
    from edc.wiring import actor_for

    def write(session, ledger, user):
        subject = subject_in(session, history.code)
        sealed = identifiers.seal(session, subject, "2019-04-03", "BRTHDTC")
        ledger_service.append(session, ledger, actor=actor_for(user, subject.site_id), action="crf.updated",
                              record=RecordRef(site="RAH", subject=subject.code, form="screening", instance="screening.1/screening.1"),
                              payload={"form_version": 1, "revision": 2, "status": "complete", "derived": [],
                                       "changes": [{"field": "BRTHDTC", "old": None, "new": sealed, "old_missing": None, "new_missing": None}]},
                              reason="Transcription error: birth date")

    act(team.coordinator, write)
    [row] = rows_for(act, team.auditor, subject=history.code, field="BRTHDTC")
    assert row.new == "[identifier, sealed]" and "2019" not in row.new
