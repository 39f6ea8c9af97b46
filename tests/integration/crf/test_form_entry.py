"""The eCRF engine end to end through the browser routes: save, reject, edit with reason, remove,
replay.  Uses the concomitant-medication log (a small real form)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from edc.models import FormInstance, ItemValue, LedgerEntry, Query
from tests.fixtures.accounts import csrf_token_from, ledger_entries

URL = "/subjects/{code}/forms/logs/1/conmeds/1"

VALID = {
    "CMTRT": "ondansetron",
    "CMDOSE_MG_DAY": "8.00",
    "CMROUTE": "IV",
    "CMSTDTC": "2026-11-02",
    "CMENDTC": "",
    "CMONGO": "Y",
}


@pytest.fixture
def coordinator(make_user, login, client):
    account = make_user("coordinator")
    login(client, account)
    return account


def post_form(client, code, values, **extra):
    page = client.get(URL.format(code=code))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(html), **values, **extra}
    revision = html.split('name="revision" type="hidden" value="')[1].split('"')[0]
    data.setdefault("revision", revision)
    data.setdefault("form_version", "1")
    return client.post(URL.format(code=code), data=data)


def ledger_size(db) -> int:
    db.expire_all()
    return db.execute(select(LedgerEntry.seq).order_by(LedgerEntry.seq.desc()).limit(1)).scalar() or 0


def stored(db, code_field: str) -> str | None:
    db.expire_all()
    return db.execute(select(ItemValue.value).where(ItemValue.field == code_field, ItemValue.derived.is_(False))).scalar()


def test_a_valid_form_is_saved_with_one_ledger_entry_holding_every_new_value(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    response = post_form(client, subject.code, VALID)
    assert response.status_code == 302
    assert stored(db, "CMDOSE_MG_DAY") == "8.00"
    [entry] = ledger_entries(db, "crf.created")
    assert entry.record.subject == subject.code and entry.record.form == "conmeds"
    assert entry.actor.name == coordinator.user.printed_name and entry.actor.role == "coordinator"
    changes = {c["field"]: (c["old"], c["new"]) for c in entry.payload["changes"]}
    assert changes["CMDOSE_MG_DAY"] == (None, "8.00")
    assert entry.reason is None


def test_a_hard_check_failure_writes_nothing_and_keeps_what_was_typed(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    before = ledger_size(db)
    response = post_form(client, subject.code, {**VALID, "CMENDTC": "2026-11-01", "CMONGO": "N"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "is before the start date" in html
    assert 'value="ondansetron"' in html and 'value="2026-11-01"' in html
    assert ledger_size(db) == before
    assert db.execute(select(FormInstance)).first() is None


def test_a_malformed_number_is_refused_in_clinical_words_and_nothing_is_written(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    before = ledger_size(db)
    response = post_form(client, subject.code, {**VALID, "CMDOSE_MG_DAY": "eight"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Total daily dose: enter a number" in html and 'value="eight"' in html
    assert ledger_size(db) == before


def test_changing_a_saved_value_shows_old_and_new_and_needs_a_reason(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    first = post_form(client, subject.code, {**VALID, "CMDOSE_MG_DAY": "12.50"})
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    assert "Confirm the change" in html and "8.00" in html and "12.50" in html
    assert stored(db, "CMDOSE_MG_DAY") == "8.00"

    without_reason = post_form(client, subject.code, {**VALID, "CMDOSE_MG_DAY": "12.50"}, confirm="yes")
    assert without_reason.status_code == 422 and stored(db, "CMDOSE_MG_DAY") == "8.00"

    confirmed = post_form(client, subject.code, {**VALID, "CMDOSE_MG_DAY": "12.50"}, confirm="yes",
                          reason_code="TRANSCRIPTION", reason_text="Dose copied from the wrong line")
    assert confirmed.status_code == 302
    assert stored(db, "CMDOSE_MG_DAY") == "12.50"
    [update] = ledger_entries(db, "crf.updated")
    assert update.reason == "Transcription error: Dose copied from the wrong line"
    assert update.payload["changes"] == [
        {"field": "CMDOSE_MG_DAY", "old": "8.00", "new": "12.50", "old_missing": None, "new_missing": None}
    ]


def test_a_required_field_left_blank_needs_a_reason_and_opens_an_automatic_query(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    post_form(client, subject.code, {**VALID, "CMROUTE": ""})
    instance = db.execute(select(FormInstance)).scalar_one()
    assert instance.status == "incomplete"
    query = db.execute(select(Query).where(Query.instance_id == instance.id)).scalar_one()
    assert query.automatic and query.state == "open" and query.field == "CMROUTE"

    post_form(client, subject.code, {**VALID, "CMROUTE": "", "CMROUTE__missing": "UNK"}, confirm="yes",
              reason_code="NEW_INFORMATION", reason_text="Route not documented in the source")
    db.expire_all()
    assert db.get(FormInstance, instance.id).status == "complete"
    assert db.get(Query, query.id).state == "closed"
    assert [e.action for e in ledger_entries(db) if e.action.startswith("query.")] == ["query.opened", "query.closed"]


def test_a_stale_page_cannot_overwrite_a_newer_save(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    response = post_form(client, subject.code, {**VALID, "CMTRT": "granisetron"}, revision="0")
    assert response.status_code == 409
    assert "Someone saved this form after you opened it" in response.get_data(as_text=True)
    assert stored(db, "CMTRT") == "ondansetron"


def test_removal_is_logical_and_needs_a_reason(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    page = client.get(URL.format(code=subject.code)).get_data(as_text=True)
    refused = client.post(URL.format(code=subject.code) + "/remove", data={"csrf_token": csrf_token_from(page), "reason": " "})
    assert refused.status_code == 302
    assert db.execute(select(FormInstance)).scalar_one().removed is False
    client.post(URL.format(code=subject.code) + "/remove", data={"csrf_token": csrf_token_from(page), "reason": "Entered for the wrong subject"})
    db.expire_all()
    instance = db.execute(select(FormInstance)).scalar_one()
    assert instance.removed and instance.removed_reason == "Entered for the wrong subject"
    assert stored(db, "CMTRT") == "ondansetron"
    [removal] = ledger_entries(db, "crf.removed")
    assert removal.reason == "Entered for the wrong subject"


def test_no_study_data_before_guardian_permission(client, db, coordinator, make_subject):
    subject = make_subject(coordinator, with_consent=False)
    before = ledger_size(db)
    response = post_form(client, subject.code, VALID)
    assert response.status_code == 409
    assert "No guardian permission is recorded yet" in response.get_data(as_text=True)
    assert ledger_size(db) == before


def test_a_monitor_cannot_enter_data_by_posting_directly(client, db, make_user, login, coordinator, make_subject):
    subject = make_subject(coordinator)
    monitor = make_user("monitor")
    other = client.application.test_client()
    login(other, monitor)
    page = other.get(URL.format(code=subject.code)).get_data(as_text=True)
    response = other.post(URL.format(code=subject.code), data={"csrf_token": csrf_token_from(page), **VALID})
    assert response.status_code == 403
    assert db.execute(select(FormInstance)).first() is None


def test_replay_rebuilds_the_tables_from_the_ledger_and_reports_a_change_made_behind_its_back(
    client, db, coordinator, make_subject, runner
):
    from edc.cli import main
    from edc.services.replay import compare_with_tables

    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    post_form(client, subject.code, {**VALID, "CMDOSE_MG_DAY": "12.50"}, confirm="yes",
              reason_code="TRANSCRIPTION", reason_text="typo")
    assert compare_with_tables(db) == []
    assert runner.invoke(main, ["ledger", "replay", "--check"]).exit_code == 0

    db.execute(text("UPDATE item_values SET value = '80.00' WHERE field = 'CMDOSE_MG_DAY'"))
    db.commit()
    differences = compare_with_tables(db)
    assert differences == [f"{subject.code} logs.1/conmeds.1 field CMDOSE_MG_DAY: tables hold '80.00' but the ledger says '12.50'"]
    result = runner.invoke(main, ["ledger", "replay", "--check"])
    assert result.exit_code == 1 and "CMDOSE_MG_DAY" in result.output


def test_the_ledger_verifies_after_data_entry(client, db, coordinator, make_subject):
    from edc.services.ledger_audit import verify_database

    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    report = verify_database(db)
    assert report.ok, report.summary()
    assert report.entries_checked == ledger_size(db)
