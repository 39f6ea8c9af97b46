"""Locks: refused while queries are open or required SDV or signatures are missing (listing every
blocker); a locked record refuses edits, queries and SDV; unlocking needs a reason; data managers only."""
from __future__ import annotations

import pytest

from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries
from tests.integration.monitor.support import VALID, form_target, instance_in, subject_in


@pytest.fixture
def subject(team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, VALID)
    return subject


def lock(act, account, code=None, scope="form", **extra):
    from edc.services import locks

    def work(session, ledger, user):
        subject = subject_in(session, code) if code else None
        instance = instance_in(session, code) if scope == "form" else None
        return locks.lock_records(session, ledger, user, locks.LockTarget(scope, subject, instance, **extra))

    return act(account, work)


def unlock(act, account, lock_id, reason):
    from edc.models import Lock
    from edc.services import locks

    return act(account, lambda s, l, u: locks.unlock_records(s, l, u, s.get(Lock, lock_id), reason))


def make_ready(act, sign, team, code):
    from edc.services import sdv

    act(team.monitor, lambda s, l, u: sdv.verify_form(s, l, u, subject_in(s, code), instance_in(s, code)))
    sign(team.investigator, form_target(code), "approval")


def open_query(act, account, code):
    from edc.services import queries

    return act(account, lambda s, l, u: queries.open_query(s, l, u, subject_in(s, code), instance_in(s, code), "CMTRT", "Brand or generic?"))


def test_the_refusal_lists_every_open_query_missing_sdv_and_missing_signature(team, act, subject):
    from edc.services.locks import LockRefused

    query = open_query(act, team.monitor, subject.code)
    with pytest.raises(LockRefused) as refusal:
        lock(act, team.data_manager, subject.code)
    blockers = refusal.value.blockers
    where = f"{subject.code} logs.1/conmeds.1"
    assert blockers == [
        f"{where}: query #{query.id} on CMTRT is open",
        f"{where}: source data verification pending (0 of 6 required fields verified)",
        f"{where}: not signed by the investigator",
    ]


@pytest.mark.parametrize("missing", ["query", "sdv", "signature"])
def test_each_blocker_alone_refuses_the_lock(team, act, sign, enter, subject, missing):
    from edc.services import sdv
    from edc.services.locks import LockRefused

    make_ready(act, sign, team, subject.code)
    if missing == "query":
        open_query(act, team.data_manager, subject.code)
    if missing == "sdv":
        enter(team.coordinator, subject.code, {**VALID, "CMROUTE": "ORAL"}, reason=("TRANSCRIPTION", "route"))
        sign(team.investigator, form_target(subject.code), "approval")
    if missing == "signature":
        enter(team.coordinator, subject.code, {**VALID, "CMTRT": "granisetron"}, reason=("TRANSCRIPTION", "drug"))
        act(team.monitor, lambda s, l, u: sdv.verify_form(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code)))
    with pytest.raises(LockRefused) as refusal:
        lock(act, team.data_manager, subject.code)
    [blocker] = refusal.value.blockers
    assert {"query": "is open", "sdv": "changed since verified (CMROUTE)", "signature": "not signed"}[missing] in blocker


def test_a_locked_form_refuses_edits_queries_and_sdv_and_unlocking_needs_a_reason(app, db, team, act, sign, enter, subject):
    from edc.services import sdv
    from edc.services.errors import DomainError, EntryRefused

    make_ready(act, sign, team, subject.code)
    row = lock(act, team.data_manager, subject.code)
    with app_session(app) as session:
        assert instance_in(session, subject.code).locked

    with pytest.raises(EntryRefused, match="This form is locked"):
        enter(team.coordinator, subject.code, {**VALID, "CMTRT": "x"}, reason=("TRANSCRIPTION", "x"))
    with pytest.raises(EntryRefused, match="This form is locked"):
        open_query(act, team.monitor, subject.code)
    with pytest.raises(EntryRefused, match="This form is locked"):
        act(team.monitor, lambda s, l, u: sdv.verify_fields(s, l, u, subject_in(s, subject.code), instance_in(s, subject.code), ["CMTRT"]))
    with pytest.raises(DomainError, match="already locked"):
        lock(act, team.data_manager, subject.code)

    with pytest.raises(DomainError, match="needs a reason"):
        unlock(act, team.data_manager, row.id, "  ")
    unlock(act, team.data_manager, row.id, "Late lab result to enter")
    with app_session(app) as session:
        assert not instance_in(session, subject.code).locked
    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "granisetron"}, reason=("NEW_INFORMATION", "late result"))

    [locked] = ledger_entries(db, "lock.locked")
    [unlocked] = ledger_entries(db, "lock.unlocked")
    assert locked.payload["scope"] == "form" and locked.actor.name == "Dana Datamanager"
    assert unlocked.reason == "Late lab result to enter" and unlocked.payload["lock_id"] == row.id


def test_a_lock_on_a_closed_query_form_blocks_answers_and_reopening(team, act, sign, subject):
    from edc.models import Query
    from edc.services import queries
    from edc.services.errors import EntryRefused

    query = open_query(act, team.monitor, subject.code)
    act(team.monitor, lambda s, l, u: queries.close_query(s, l, u, subject_in(s, subject.code), s.get(Query, query.id), "resolved"))
    make_ready(act, sign, team, subject.code)
    lock(act, team.data_manager, subject.code)
    with pytest.raises(EntryRefused):
        act(team.monitor, lambda s, l, u: queries.reopen_query(s, l, u, subject_in(s, subject.code), s.get(Query, query.id), "again"))


def test_subject_event_and_study_locks_freeze_every_form_they_cover(app, team, act, sign, enter, subject):
    from edc.services.errors import EntryRefused

    make_ready(act, sign, team, subject.code)
    for scope, extra, message in [("event", {"event_key": "logs", "event_repeat": 1}, "This visit is locked"),
                                  ("subject", {}, f"The casebook of {subject.code} is locked"),
                                  ("study", {}, "The study database is locked")]:
        row = lock(act, team.data_manager, None if scope == "study" else subject.code, scope, **extra)
        with pytest.raises(EntryRefused, match=message):
            enter(team.coordinator, subject.code, {**VALID, "CMTRT": "x"}, reason=("TRANSCRIPTION", "x"))
        with pytest.raises(EntryRefused):
            enter(team.coordinator, subject.code, VALID, slot=("logs", 1, "conmeds", 2))
        unlock(act, team.data_manager, row.id, f"{scope} lock test over")


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "auditor"])
def test_only_data_managers_lock(team, act, sign, subject, role):
    from edc.services.errors import PermissionDenied

    make_ready(act, sign, team, subject.code)
    with pytest.raises(PermissionDenied):
        lock(act, getattr(team, role), subject.code)


def test_the_lock_pages_show_blockers_lock_and_unlock(app, client, login, team, act, sign, subject):
    from edc.models import Lock

    login(client, team.data_manager)
    page = client.get(f"/monitor/lock?scope=subject&code={subject.code}")
    assert page.status_code == 200 and b"not signed by the investigator" in page.data
    token = csrf_token_from(client.get("/").data)
    refused = client.post("/monitor/lock", data={"csrf_token": token, "scope": "subject", "code": subject.code})
    assert refused.status_code == 409 and b"source data verification pending" in refused.data

    make_ready(act, sign, team, subject.code)
    assert client.post("/monitor/lock", data={"csrf_token": token, "scope": "subject", "code": subject.code}).status_code == 302
    with app_session(app) as session:
        [row] = session.query(Lock).all()
        lock_id = row.id
    assert f"/monitor/locks/{lock_id}/unlock".encode() in client.get("/monitor/locks").data
    client.post(f"/monitor/locks/{lock_id}/unlock", data={"csrf_token": token, "reason": ""})
    with app_session(app) as session:
        assert session.get(Lock, lock_id).active
    client.post(f"/monitor/locks/{lock_id}/unlock", data={"csrf_token": token, "reason": "Query from the sponsor"})
    with app_session(app) as session:
        assert not session.get(Lock, lock_id).active


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "auditor"])
def test_a_direct_lock_or_unlock_post_by_another_role_is_refused_with_403(app, client, login, team, act, sign, subject, role):
    from edc.models import Lock

    make_ready(act, sign, team, subject.code)
    row = lock(act, team.data_manager, subject.code)
    login(client, getattr(team, role))
    token = csrf_token_from(client.get("/").data)
    assert client.post("/monitor/lock", data={"csrf_token": token, "scope": "study"}).status_code == 403
    assert client.post(f"/monitor/locks/{row.id}/unlock", data={"csrf_token": token, "reason": "x"}).status_code == 403
    with app_session(app) as session:
        assert session.get(Lock, row.id).active and session.query(Lock).count() == 1


def test_the_study_lock_page_lists_blockers_across_subjects(client, login, team, make_subject, enter, subject):
    other = make_subject(team.coordinator)
    enter(team.coordinator, other.code, VALID)
    login(client, team.data_manager)
    page = client.get("/monitor/lock?scope=study").get_data(as_text=True)
    assert f"{subject.code} logs.1/conmeds.1: not signed" in page and f"{other.code} logs.1/conmeds.1: not signed" in page
    assert client.get("/monitor/locks").status_code == 200
