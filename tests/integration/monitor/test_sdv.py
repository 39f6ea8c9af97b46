"""Source data verification: field, form and visit marks bound to the verified values, automatic
"changed since verified" on any later change (form state, casebook grid, dashboard), and refusals."""
from __future__ import annotations

import pytest

from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries
from tests.integration.monitor.support import VALID, instance_in, subject_in

FIELDS = ["CMTRT", "CMDOSE_MG_DAY", "CMROUTE", "CMSTDTC", "CMENDTC", "CMONGO"]


@pytest.fixture
def subject(team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, VALID)
    return subject


def verify(act, account, code, fields):
    from edc.services import sdv

    return act(account, lambda s, l, u: sdv.verify_fields(s, l, u, subject_in(s, code), instance_in(s, code), fields))


def form_state(app, code):
    from edc.services import sdv

    with app_session(app) as session:
        state = sdv.form_state(session, instance_in(session, code))
        return dict(state.fields), state.state


def grid_sdv(app, code) -> str:
    from edc.services.subjects import casebook

    with app_session(app) as session:
        cells = [c for row in casebook(session, subject_in(session, code)) for c in row.cells
                 if c.form_key == "conmeds" and c.instance_id is not None]
        return cells[0].sdv


def test_a_verified_field_turns_changed_since_verified_when_its_value_changes(app, db, team, act, enter, subject):
    assert verify(act, team.monitor, subject.code, ["CMDOSE_MG_DAY"]) == ["CMDOSE_MG_DAY"]
    fields, state = form_state(app, subject.code)
    assert fields["CMDOSE_MG_DAY"] == "verified" and fields["CMTRT"] == "pending" and state == "pending"
    assert grid_sdv(app, subject.code) == "pending", "one field of six does not meet the 100 % requirement"

    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": "4.00"}, reason=("TRANSCRIPTION", "typed 8 for 4"))

    fields, state = form_state(app, subject.code)
    assert fields["CMDOSE_MG_DAY"] == "changed since verified" and state == "changed since verified"
    assert grid_sdv(app, subject.code) == "changed since verified"
    [invalidated] = ledger_entries(db, "sdv.invalidated")
    assert invalidated.payload["fields"] == ["CMDOSE_MG_DAY"] and invalidated.actor.name == "Cora Coordinator"


def test_a_change_to_an_unverified_field_leaves_the_verified_ones_alone(app, team, act, enter, subject):
    verify(act, team.monitor, subject.code, ["CMDOSE_MG_DAY"])
    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "granisetron"}, reason=("TRANSCRIPTION", "wrong drug name"))
    fields, _ = form_state(app, subject.code)
    assert fields["CMDOSE_MG_DAY"] == "verified" and fields["CMTRT"] == "pending"


def test_reverifying_a_changed_field_makes_it_verified_again(app, team, act, enter, subject):
    verify(act, team.monitor, subject.code, ["CMDOSE_MG_DAY"])
    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": "4.00"}, reason=("TRANSCRIPTION", "typo"))
    assert verify(act, team.monitor, subject.code, ["CMDOSE_MG_DAY"]) == ["CMDOSE_MG_DAY"]
    fields, _ = form_state(app, subject.code)
    assert fields["CMDOSE_MG_DAY"] == "verified"


def test_verifying_a_whole_form_marks_every_entered_field_once_with_one_ledger_entry(app, db, team, act, subject):
    from edc.services import sdv

    marked = act(team.monitor, lambda s, l, u: sdv.verify_form(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code)))
    assert sorted(marked) == sorted(FIELDS)
    fields, state = form_state(app, subject.code)
    assert set(fields.values()) == {"verified"} and state == "verified"
    again = act(team.monitor, lambda s, l, u: sdv.verify_form(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code)))
    assert again == []
    [entry] = ledger_entries(db, "sdv.verified")
    assert entry.payload["scope"] == "form" and sorted(entry.payload["fields"]) == sorted(FIELDS)
    assert entry.payload["revision"] == 1 and "value_sha256" not in str(entry.payload)


def test_verifying_a_visit_marks_every_form_of_it(app, team, act, enter, subject):
    from edc.services import sdv

    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=("logs", 1, "conmeds", 2))
    done = act(team.monitor, lambda s, l, u: sdv.verify_event(s, l, u, subject_in(s, subject.code), "logs", 1))
    assert sorted(done) == ["logs.1/conmeds.1", "logs.1/conmeds.2"]
    with app_session(app) as session:
        for slot in (("logs", 1, "conmeds", 1), ("logs", 1, "conmeds", 2)):
            assert sdv.form_state(session, instance_in(session, subject.code, slot)).state == "verified"


@pytest.mark.parametrize("percent, fields, required", [(100, 6, 6), (50, 6, 3), (34, 6, 3), (33, 6, 2), (0, 6, 0)])
def test_the_sdv_requirement_per_form_sets_how_many_fields_must_be_verified(monkeypatch, percent, fields, required):
    from edc.services import sdv

    monkeypatch.setitem(sdv.SDV_REQUIREMENT, "conmeds", percent)
    assert sdv.required_count("conmeds", fields) == required


def test_a_form_with_a_partial_requirement_is_complete_once_enough_fields_are_verified(app, monkeypatch, team, act, subject):
    from edc.services import sdv

    monkeypatch.setitem(sdv.SDV_REQUIREMENT, "conmeds", 50)
    verify(act, team.monitor, subject.code, ["CMTRT", "CMDOSE_MG_DAY"])
    assert form_state(app, subject.code)[1] == "pending"
    verify(act, team.monitor, subject.code, ["CMROUTE"])
    assert form_state(app, subject.code)[1] == "verified"


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "auditor"])
def test_only_monitors_verify_source_data(team, act, subject, role):
    from edc.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        verify(act, getattr(team, role), subject.code, ["CMTRT"])


def test_a_monitor_of_another_site_cannot_verify(team, act, subject, make_site, make_user):
    from edc.services.errors import PermissionDenied

    outsider = make_user("monitor", make_site("TUMS"))
    with pytest.raises(PermissionDenied):
        verify(act, outsider, subject.code, ["CMTRT"])


def test_unknown_fields_are_refused(team, act, subject):
    from edc.services.errors import DomainError

    with pytest.raises(DomainError, match="unknown: NOPE"):
        verify(act, team.monitor, subject.code, ["NOPE"])


def test_the_dashboard_and_form_pages_show_and_mark_verification(app, client, login, team, act, enter, subject):
    login(client, team.monitor)
    with app_session(app) as session:
        instance_id = instance_in(session, subject.code).id
    dashboard = client.get(f"/monitor/sdv?subject={subject.code}")
    assert dashboard.status_code == 200 and f"/monitor/sdv/forms/{instance_id}".encode() in dashboard.data
    token = csrf_token_from(client.get(f"/monitor/sdv/forms/{instance_id}").data)
    response = client.post(f"/monitor/sdv/forms/{instance_id}/fields", data={"csrf_token": token, "field": ["CMTRT", "CMONGO"]})
    assert response.status_code == 302
    fields, _ = form_state(app, subject.code)
    assert fields["CMTRT"] == "verified" and fields["CMONGO"] == "verified" and fields["CMROUTE"] == "pending"
    assert client.post(f"/monitor/sdv/forms/{instance_id}", data={"csrf_token": token}).status_code == 302
    assert form_state(app, subject.code)[1] == "verified"

    enter(team.coordinator, subject.code, {**VALID, "CMROUTE": "ORAL"}, reason=("SOURCE_UPDATED", "route corrected"))
    page = client.get(f"/monitor/sdv?subject={subject.code}")
    assert b"changed since verified" in page.data
    casebook = client.get(f"/subjects/{subject.code}")
    assert b"SDV: changed since verified" in casebook.data


@pytest.mark.parametrize("role", ["coordinator", "investigator", "data_manager", "auditor"])
def test_a_direct_sdv_post_by_another_role_is_refused_with_403(app, client, login, team, subject, role):
    with app_session(app) as session:
        instance_id = instance_in(session, subject.code).id
    login(client, getattr(team, role))
    token = csrf_token_from(client.get("/").data)
    for url, data in [(f"/monitor/sdv/forms/{instance_id}/fields", {"field": "CMTRT"}),
                      (f"/monitor/sdv/forms/{instance_id}", {}),
                      (f"/monitor/sdv/subjects/{subject.code}/events/logs/1", {})]:
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403
    assert form_state(app, subject.code)[0]["CMTRT"] == "pending"
