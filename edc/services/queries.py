"""Queries: open -> answered -> closed (or re-opened), each transition ledgered with text and actor.

Automatic queries belong to soft edit checks: they open when the check fires, close themselves when
a data change satisfies it, and re-open when it fails again.  Manual queries are opened by monitors
and data managers; only the opener's role closes them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef
from forms.core import Finding

from ..models import FormInstance, Query, QueryMessage, Subject
from ..permissions import role_at, site_ids_for, user_can
from ..wiring import actor_for
from . import gates
from . import ledger as ledger_service
from .errors import DomainError, EntryRefused, NotFound, PermissionDenied

SYSTEM_ROLE = "system"


def _record(subject: Subject, instance: FormInstance, field: str | None) -> RecordRef:
    return RecordRef(site=subject.site.code, subject=subject.code, form=instance.form_key, instance=instance.ref, field=field)


def _transition(session: Session, ledger, user, subject: Subject, instance: FormInstance, query: Query,
                transition: str, text: str, new_state: str) -> None:
    now = ledger.clock()
    query.state = new_state
    query.updated_at = now
    session.add(QueryMessage(query_id=query.id, author_id=user.id if user else None, transition=transition, text=text, created_at=now))
    session.flush()
    ledger_service.append(
        session, ledger,
        actor=actor_for(user, subject.site_id) if user else ledger_service.SYSTEM_ACTOR,
        action=f"query.{transition}",
        record=_record(subject, instance, query.field),
        payload={"query_id": query.id, "state": new_state, "text": text, "check": query.check_id, "automatic": query.automatic},
    )


def _refuse_if_locked(session: Session, subject: Subject, instance: FormInstance) -> None:
    refusals = gates.lock_refusals(session, subject, instance)
    if refusals:
        raise EntryRefused(refusals)


def _automatic_for(session: Session, instance: FormInstance) -> dict[tuple[str, str | None], Query]:
    rows = session.execute(select(Query).where(Query.instance_id == instance.id, Query.automatic.is_(True))).scalars()
    return {(q.check_id, q.field): q for q in rows}


def sync_automatic(session: Session, ledger, user, subject: Subject, instance: FormInstance, findings: list[Finding]) -> None:
    """Bring the instance's automatic queries in line with its current soft findings."""
    existing = _automatic_for(session, instance)
    firing = {(f.check, f.fields[0] if f.fields else None): f for f in findings}
    for key, finding in firing.items():
        query = existing.get(key)
        if query is None:
            query = Query(
                subject_id=subject.id, instance_id=instance.id, field=key[1], check_id=finding.check,
                automatic=True, state="open", opened_by=None, opener_role=SYSTEM_ROLE, text=finding.message,
                opened_at=ledger.clock(), updated_at=ledger.clock(),
            )
            session.add(query)
            session.flush()
            _transition(session, ledger, None, subject, instance, query, "opened", finding.message, "open")
        elif query.state == "closed":
            query.text = finding.message
            _transition(session, ledger, None, subject, instance, query, "reopened", f"The check fails again: {finding.message}", "open")
    for key, query in existing.items():
        if key not in firing and query.state != "closed":
            _transition(session, ledger, None, subject, instance, query, "closed", "Closed automatically: the data now satisfy the check.", "closed")


def open_query(session: Session, ledger, user, subject: Subject, instance: FormInstance, field: str | None, text: str) -> Query:
    """A monitor's or data manager's manual query on a field.

    :raises PermissionDenied: for any other role, or a subject outside the user's sites.
    """
    if not user_can(user, "query.open", subject.site_id):
        raise PermissionDenied("Only monitors and data managers open queries.")
    if not (text or "").strip():
        raise DomainError("Write the question for the site.")
    refusals = gates.lock_refusals(session, subject, instance)
    if refusals:
        raise EntryRefused(refusals)
    query = Query(
        subject_id=subject.id, instance_id=instance.id, field=field, check_id=None, automatic=False, state="open",
        opened_by=user.id, opener_role=role_at(user, subject.site_id) or "", text=text.strip(),
        opened_at=ledger.clock(), updated_at=ledger.clock(),
    )
    session.add(query)
    session.flush()
    _transition(session, ledger, user, subject, instance, query, "opened", text.strip(), "open")
    return query


def _refuse_unless_opener(user, subject: Subject, query: Query, action: str, verb: str) -> None:
    """Manual queries are closed and re-opened only by the role that opened them."""
    role = role_at(user, subject.site_id)
    if not user_can(user, action, subject.site_id) or (not query.automatic and role != query.opener_role):
        raise PermissionDenied(f"Only the role that opened this query can {verb} it.")


def _move(session: Session, ledger, user, subject: Subject, query: Query, transition: str, text: str, state: str) -> None:
    """Apply a transition unless the form is locked (a lock freezes its queries too)."""
    instance = session.get(FormInstance, query.instance_id)
    _refuse_if_locked(session, subject, instance)
    _transition(session, ledger, user, subject, instance, query, transition, text, state)


def answer_query(session: Session, ledger, user, subject: Subject, query: Query, text: str) -> None:
    """Site staff reply to an open query (a data change, if any, is saved through the form).

    :raises PermissionDenied: for roles other than site staff.
    """
    if not user_can(user, "query.answer", subject.site_id):
        raise PermissionDenied("Only site staff answer queries.")
    if query.state != "open":
        raise DomainError("Only an open query can be answered.")
    if not (text or "").strip():
        raise DomainError("Write your answer.")
    _move(session, ledger, user, subject, query, "answered", text.strip(), "answered")


def close_query(session: Session, ledger, user, subject: Subject, query: Query, text: str) -> None:
    """Close a manual query; only a user of the opener's role may.

    :raises PermissionDenied: when the role differs from the opener's.
    """
    _refuse_unless_opener(user, subject, query, "query.close", "close")
    if query.state == "closed":
        raise DomainError("The query is already closed.")
    _move(session, ledger, user, subject, query, "closed", (text or "Closed.").strip(), "closed")


def reopen_query(session: Session, ledger, user, subject: Subject, query: Query, text: str) -> None:
    """Re-open an answered or closed manual query when the answer does not resolve it.

    :raises PermissionDenied: when the role differs from the opener's.
    """
    _refuse_unless_opener(user, subject, query, "query.open", "re-open")
    if query.state == "open":
        raise DomainError("The query is already open.")
    if not (text or "").strip():
        raise DomainError("Say why the query is re-opened.")
    _move(session, ledger, user, subject, query, "reopened", text.strip(), "open")


def open_counts(session: Session, subject: Subject) -> dict[int, int]:
    """Open (not closed) queries per form instance of ``subject``."""
    counts: dict[int, int] = {}
    for query in session.execute(select(Query).where(Query.subject_id == subject.id, Query.state != "closed")).scalars():
        counts[query.instance_id] = counts.get(query.instance_id, 0) + 1
    return counts


def for_instance(session: Session, instance: FormInstance | None) -> list[Query]:
    if instance is None:
        return []
    return list(session.execute(select(Query).where(Query.instance_id == instance.id).order_by(Query.id)).scalars())


AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7 days", 0, 7), ("8-14 days", 8, 14), ("15-30 days", 15, 30), ("over 30 days", 31, None),
)
"""Age bands of the aging report (data-management practice, not a protocol threshold)."""


@dataclass(frozen=True)
class QueryFilters:
    site_id: int | None = None
    subject: str | None = None
    form: str | None = None
    state: str | None = None
    min_age_days: int | None = None
    max_age_days: int | None = None


@dataclass
class QueryRow:
    query: Query
    subject: Subject
    instance: FormInstance
    age_days: int

    @property
    def site_code(self) -> str:
        return self.subject.site.code


def age_in_days(query: Query, now: datetime) -> int:
    return max((now - query.opened_at).days, 0)


def list_queries(session: Session, user, filters: QueryFilters, now: datetime) -> list[QueryRow]:
    """Queries at the sites ``user`` may see, filtered, oldest first.

    :raises PermissionDenied: when the user may not view queries at all.
    """
    sites = site_ids_for(user, "query.view")
    if sites is not None and not sites:
        raise PermissionDenied("Your role does not show queries.")
    statement = (
        select(Query, Subject, FormInstance)
        .join(Subject, Subject.id == Query.subject_id)
        .join(FormInstance, FormInstance.id == Query.instance_id)
        .order_by(Query.opened_at, Query.id)
    )
    if sites is not None:
        statement = statement.where(Subject.site_id.in_(sites))
    if filters.site_id:
        statement = statement.where(Subject.site_id == filters.site_id)
    if filters.subject:
        statement = statement.where(Subject.code == filters.subject.strip())
    if filters.form:
        statement = statement.where(FormInstance.form_key == filters.form)
    if filters.state == "not_closed":
        statement = statement.where(Query.state != "closed")
    elif filters.state:
        statement = statement.where(Query.state == filters.state)
    rows = []
    for query, subject, instance in session.execute(statement).all():
        age = age_in_days(query, now)
        if filters.min_age_days is not None and age < filters.min_age_days:
            continue
        if filters.max_age_days is not None and age > filters.max_age_days:
            continue
        rows.append(QueryRow(query, subject, instance, age))
    return rows


def aging_report(rows: list[QueryRow]) -> list[dict]:
    """Not-closed queries per site and age band: ``[{"site": code, "0-7 days": n, ...}]``."""
    by_site: dict[str, dict] = {}
    for row in rows:
        if row.query.state == "closed":
            continue
        line = by_site.setdefault(row.site_code, {"site": row.site_code, **{label: 0 for label, _, _ in AGING_BUCKETS}, "total": 0})
        for label, low, high in AGING_BUCKETS:
            if row.age_days >= low and (high is None or row.age_days <= high):
                line[label] += 1
        line["total"] += 1
    return [by_site[code] for code in sorted(by_site)]


def get_query(session: Session, user, query_id: int) -> tuple[Query, Subject, FormInstance]:
    """One query the user may see.

    :raises NotFound: when it does not exist or lies outside the user's sites.
    """
    query = session.get(Query, query_id)
    subject = session.get(Subject, query.subject_id) if query else None
    if query is None or not user_can(user, "query.view", subject.site_id):
        raise NotFound(f"No query #{query_id} at your sites.")
    return query, subject, session.get(FormInstance, query.instance_id)
