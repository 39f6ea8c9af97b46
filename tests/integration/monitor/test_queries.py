"""Queries: every transition, who may make it, automatic queries following the data, the list and
its aging report, and the HTTP refusals for other roles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries

from tests.integration.monitor.support import VALID, instance_in, subject_in


def open_manual(act, account, code, field="CMDOSE_MG_DAY", text="Dose differs from the prescription: please check."):
    from edc.services import queries

    return act(account, lambda s, l, u: queries.open_query(s, l, u, subject_in(s, code), instance_in(s, code), field, text)).id


def transition(act, account, name, code, query_id, text="ok"):
    from edc.models import Query
    from edc.services import queries

    function = getattr(queries, f"{name}_query")
    return act(account, lambda s, l, u: function(s, l, u, subject_in(s, code), s.get(Query, query_id), text))


def state_of(app, query_id) -> str:
    from edc.models import Query

    with app_session(app) as session:
        return session.get(Query, query_id).state


@pytest.fixture
def subject(team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, VALID)
    return subject


def test_a_manual_query_goes_open_answered_closed_reopened_with_each_step_ledgered(app, db, team, act, subject):
    query_id = open_manual(act, team.monitor, subject.code)
    assert state_of(app, query_id) == "open"
    transition(act, team.coordinator, "answer", subject.code, query_id, "Checked the chart: 8 mg is right.")
    assert state_of(app, query_id) == "answered"
    transition(act, team.monitor, "close", subject.code, query_id, "Agreed.")
    assert state_of(app, query_id) == "closed"
    transition(act, team.monitor, "reopen", subject.code, query_id, "The pharmacy sheet says 4 mg.")
    assert state_of(app, query_id) == "open"
    steps = [(e.action, e.actor.name, e.payload["text"]) for e in ledger_entries(db) if e.action.startswith("query.")]
    assert steps == [
        ("query.opened", "Mona Monitor", "Dose differs from the prescription: please check."),
        ("query.answered", "Cora Coordinator", "Checked the chart: 8 mg is right."),
        ("query.closed", "Mona Monitor", "Agreed."),
        ("query.reopened", "Mona Monitor", "The pharmacy sheet says 4 mg."),
    ]


@pytest.mark.parametrize("role", ["coordinator", "investigator", "auditor"])
def test_only_monitors_and_data_managers_open_queries(team, act, subject, role):
    from edc.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        open_manual(act, getattr(team, role), subject.code)


@pytest.mark.parametrize("role", ["monitor", "data_manager", "auditor"])
def test_only_site_staff_answer_queries(team, act, subject, role):
    from edc.services.errors import PermissionDenied

    query_id = open_manual(act, team.monitor, subject.code)
    with pytest.raises(PermissionDenied):
        transition(act, getattr(team, role), "answer", subject.code, query_id)


@pytest.mark.parametrize("opener, closer, allowed", [
    ("monitor", "monitor", True),
    ("monitor", "data_manager", False),
    ("data_manager", "data_manager", True),
    ("data_manager", "monitor", False),
    ("monitor", "coordinator", False),
    ("monitor", "investigator", False),
])
def test_only_the_openers_role_closes_a_manual_query(app, team, act, subject, opener, closer, allowed):
    from edc.services.errors import PermissionDenied

    query_id = open_manual(act, getattr(team, opener), subject.code)
    if allowed:
        transition(act, getattr(team, closer), "close", subject.code, query_id)
        assert state_of(app, query_id) == "closed"
    else:
        with pytest.raises(PermissionDenied):
            transition(act, getattr(team, closer), "close", subject.code, query_id)
        assert state_of(app, query_id) == "open"


def test_answering_needs_an_open_query_and_words(team, act, subject):
    from edc.services.errors import DomainError

    query_id = open_manual(act, team.monitor, subject.code)
    with pytest.raises(DomainError, match="Write your answer"):
        transition(act, team.coordinator, "answer", subject.code, query_id, "  ")
    transition(act, team.coordinator, "answer", subject.code, query_id, "Done.")
    with pytest.raises(DomainError, match="Only an open query"):
        transition(act, team.coordinator, "answer", subject.code, query_id, "Again.")


def automatic_queries(app, code):
    from edc.models import Query

    with app_session(app) as session:
        return [(q.field, q.check_id, q.state) for q in session.execute(
            select(Query).where(Query.subject_id == subject_in(session, code).id, Query.automatic.is_(True))).scalars()]


def test_an_automatic_query_opens_on_a_soft_finding_closes_when_fixed_and_reopens_when_failing_again(app, db, team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": None})
    assert automatic_queries(app, subject.code) == [("CMDOSE_MG_DAY", "CMDOSE_MG_DAY.REQUIRED", "open")]

    enter(team.coordinator, subject.code, VALID)
    assert automatic_queries(app, subject.code) == [("CMDOSE_MG_DAY", "CMDOSE_MG_DAY.REQUIRED", "closed")]

    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": None}, reason=("TRANSCRIPTION", "dose was not on the chart"))
    assert automatic_queries(app, subject.code) == [("CMDOSE_MG_DAY", "CMDOSE_MG_DAY.REQUIRED", "open")]

    actions = [(e.action, e.actor.role) for e in ledger_entries(db) if e.action.startswith("query.")]
    assert actions == [("query.opened", "system"), ("query.closed", "system"), ("query.reopened", "system")]


def age_query(app, query_id, days):
    from edc.db import transaction
    from edc.models import Query

    with app_session(app) as session:
        with transaction(session):
            session.execute(update(Query).where(Query.id == query_id).values(
                opened_at=datetime.now(timezone.utc) - timedelta(days=days, hours=1)))


def test_the_query_list_filters_by_site_subject_form_state_and_age_and_reports_aging(app, team, act, make_subject, enter):
    from edc.services import queries

    first, second = make_subject(team.coordinator), make_subject(team.coordinator)
    for subject in (first, second):
        enter(team.coordinator, subject.code, VALID)
    old = open_manual(act, team.monitor, first.code)
    young = open_manual(act, team.monitor, second.code)
    closed = open_manual(act, team.data_manager, second.code, field="CMROUTE")
    transition(act, team.data_manager, "close", second.code, closed)
    age_query(app, old, 20)

    def ids(account, **filters):
        rows = act(account, lambda s, l, u: queries.list_queries(s, u, queries.QueryFilters(**filters), datetime.now(timezone.utc)))
        return [row.query.id for row in rows]

    assert ids(team.monitor) == [old, young, closed]
    assert ids(team.monitor, subject=first.code) == [old]
    assert ids(team.monitor, state="open") == [old, young]
    assert ids(team.monitor, state="closed") == [closed]
    assert ids(team.monitor, min_age_days=15) == [old]
    assert ids(team.monitor, max_age_days=14) == [young, closed]
    assert ids(team.monitor, form="conmeds", state="not_closed") == [old, young]
    assert ids(team.monitor, form="screening") == []
    site_id = team.coordinator.user.roles[0].site_id
    assert ids(team.data_manager, site_id=site_id) == [old, young, closed]

    [line] = act(team.monitor, lambda s, l, u: queries.aging_report(
        queries.list_queries(s, u, queries.QueryFilters(), datetime.now(timezone.utc))))
    assert line["site"] == "RAH" and line["0-7 days"] == 1 and line["15-30 days"] == 1 and line["total"] == 2


def test_a_monitor_of_another_site_sees_none_of_its_queries(app, team, act, subject, make_site, make_user):
    from edc.services import queries

    open_manual(act, team.monitor, subject.code)
    outsider = make_user("monitor", make_site("TUMS"))
    rows = act(outsider, lambda s, l, u: queries.list_queries(s, u, queries.QueryFilters(), datetime.now(timezone.utc)))
    assert rows == []


# --- through the pages -----------------------------------------------------------------------------

def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token_from(client.get("/").data), **data})


def test_the_query_pages_carry_each_transition_for_the_right_roles(app, client, login, team, act, subject):
    query_id = open_manual(act, team.monitor, subject.code)
    login(client, team.coordinator)
    page = client.get(f"/monitor/queries/{query_id}")
    assert page.status_code == 200 and b"Send answer" in page.data and b"Close query" not in page.data
    assert post(client, f"/monitor/queries/{query_id}/answer", {"text": "Corrected."}).status_code == 302
    assert state_of(app, query_id) == "answered"
    listing = client.get("/monitor/queries?state=answered")
    assert f"#{query_id}".encode() in listing.data and b"Aging report" in listing.data

    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").data)})
    login(client, team.monitor)
    assert post(client, f"/monitor/queries/{query_id}/close", {"text": "Fine."}).status_code == 302
    assert state_of(app, query_id) == "closed"
    assert post(client, f"/monitor/queries/{query_id}/reopen", {"text": "Not fine."}).status_code == 302
    assert state_of(app, query_id) == "open"


@pytest.mark.parametrize("role, endpoint", [
    ("monitor", "answer"), ("data_manager", "answer"), ("auditor", "answer"),
    ("coordinator", "close"), ("investigator", "close"), ("auditor", "close"),
    ("coordinator", "reopen"), ("investigator", "reopen"), ("auditor", "reopen"),
])
def test_a_direct_post_by_another_role_is_refused_with_403(app, client, login, team, act, subject, role, endpoint):
    query_id = open_manual(act, team.monitor, subject.code)
    login(client, getattr(team, role))
    token = csrf_token_from(client.get("/").data)
    response = client.post(f"/monitor/queries/{query_id}/{endpoint}", data={"csrf_token": token, "text": "x"})
    assert response.status_code == 403
    assert state_of(app, query_id) == "open"


def test_the_crf_page_links_each_query_to_its_page(client, login, team, act, subject):
    query_id = open_manual(act, team.monitor, subject.code)
    login(client, team.coordinator)
    page = client.get(f"/subjects/{subject.code}/forms/logs/1/conmeds/1")
    assert f"/monitor/queries/{query_id}".encode() in page.data
