"""Subjects: registration with a site-prefixed identifier, site-scoped listing, the casebook grid."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.entry import RecordRef
from forms.schedule import EVENTS, LOG_EVENT, EventDef

from ..models import FormInstance, Query, Site, Subject
from ..permissions import site_ids_for, user_can
from ..wiring import actor_for
from . import ledger as ledger_service
from . import sdv, signatures
from .errors import NotFound, PermissionDenied
from .records import restrict_to_sites


def register_subject(session: Session, ledger, user, site: Site) -> Subject:
    """Assign the next screening number at ``site`` (e.g. RAH-003); the subject starts in screening.

    :raises PermissionDenied: unless the user is site staff at ``site``.
    """
    if not user_can(user, "subject.register", site.id):
        raise PermissionDenied("Only site staff of this site register subjects.")
    count = session.execute(select(func.count()).select_from(Subject).where(Subject.site_id == site.id)).scalar_one()
    subject = Subject(site_id=site.id, code=f"{site.code}-{count + 1:03d}", status="screening", created_at=ledger.clock())
    session.add(subject)
    session.flush()
    subject.site = site
    ledger_service.append(
        session, ledger,
        actor=actor_for(user, site.id),
        action="subject.registered",
        record=RecordRef(site=site.code, subject=subject.code),
        payload={"status": subject.status},
    )
    return subject


def visible_subjects(session: Session, user, *, site_id: int | None = None, status: str | None = None,
                     arm: str | None = None, search: str | None = None) -> list[Subject]:
    """Subjects of the sites the user may see, filtered."""
    sites = site_ids_for(user, "subject.view")
    query = select(Subject).order_by(Subject.code)
    query = restrict_to_sites(query, Subject.site_id, sites)
    if site_id:
        query = query.where(Subject.site_id == site_id)
    if status:
        query = query.where(Subject.status == status)
    if arm:
        query = query.where(Subject.arm == arm)
    if search:
        query = query.where(Subject.code.ilike(f"%{search.strip()}%"))
    return list(session.execute(query).scalars())


def get_subject(session: Session, user, code: str, action: str = "subject.view") -> Subject:
    """Load a subject the user may act on.

    :raises NotFound: when no such subject exists or it is at a site the user cannot see (the two
        are indistinguishable on purpose).
    """
    subject = session.execute(select(Subject).where(Subject.code == code)).scalar_one_or_none()
    if subject is None or not user_can(user, "subject.view", subject.site_id):
        raise NotFound(f"No subject {code} at your sites.")
    if not user_can(user, action, subject.site_id):
        raise PermissionDenied("Your role does not allow this for this subject.")
    return subject


@dataclass
class Cell:
    event_key: str
    event_repeat: int
    form_key: str
    repeat_no: int
    status: str
    open_queries: int = 0
    sdv: str = ""
    signed: bool = False
    locked: bool = False
    instance_id: int | None = None


@dataclass
class EventRow:
    event: EventDef
    repeat: int
    cells: list[Cell]

    @property
    def title(self) -> str:
        return self.event.title(self.repeat)


def casebook(session: Session, subject: Subject) -> list[EventRow]:
    """Events x forms with status: not started, incomplete, complete, queries, SDV, signed, locked."""
    instances = list(session.execute(select(FormInstance).where(FormInstance.subject_id == subject.id)).scalars())
    by_slot = {(i.event_key, i.event_repeat, i.form_key, i.repeat_no): i for i in instances}
    query_counts = dict(
        session.execute(
            select(Query.instance_id, func.count()).where(Query.subject_id == subject.id, Query.state != "closed").group_by(Query.instance_id)
        ).all()
    )
    signed = {instance.id for instance in instances if signatures.covering(session, subject, instance)}
    sdv_state = {i.id: sdv.form_state(session, i).state for i in instances if not i.removed}
    rows: list[EventRow] = []
    for spec in EVENTS + (LOG_EVENT,):
        if spec.arm and subject.arm and subject.arm != spec.arm:
            continue
        repeats = sorted({i.event_repeat for i in instances if i.event_key == spec.key}) or [1]
        if spec.repeating:
            next_repeat = max(repeats) + 1 if any(i.event_key == spec.key for i in instances) else 1
            if spec.max_repeats is None or next_repeat <= spec.max_repeats:
                repeats = sorted(set(repeats) | {next_repeat})
        for repeat in repeats:
            cells = []
            for form_key in spec.forms:
                existing = sorted(
                    (i for i in instances if (i.event_key, i.event_repeat, i.form_key) == (spec.key, repeat, form_key)),
                    key=lambda i: i.repeat_no,
                )
                cells.extend(_cell(instance, query_counts, signed, sdv_state) for instance in existing)
                if not existing or spec.key == LOG_EVENT.key:
                    next_no = existing[-1].repeat_no + 1 if existing else 1
                    cells.append(Cell(spec.key, repeat, form_key, next_no, "not_started"))
            rows.append(EventRow(spec, repeat, cells))
    return rows


def _cell(instance: FormInstance, query_counts, signed, sdv_state) -> Cell:
    status = "removed" if instance.removed else instance.status
    return Cell(
        instance.event_key, instance.event_repeat, instance.form_key, instance.repeat_no, status,
        open_queries=query_counts.get(instance.id, 0), sdv=sdv_state.get(instance.id, ""),
        signed=instance.id in signed, locked=instance.locked, instance_id=instance.id,
    )
