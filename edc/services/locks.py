"""Data managers' locks on a form, an event, a subject or the whole study (database lock).

A lock is refused while anything it would freeze is unfinished: an open or answered query, source
data verification the monitoring plan requires, or a form no investigator signature covers.  The
refusal lists every blocker so the data manager can chase them all at once.  While a lock is active
the entry gates (:func:`edc.services.gates.lock_refusals`) refuse edits, queries and SDV changes.
Unlocking needs a reason; the forms it covered become editable again unless another lock still
covers them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef

from ..models import FormInstance, Lock, Query, Subject
from ..permissions import user_can
from ..wiring import actor_for
from . import gates, sdv, signatures
from . import ledger as ledger_service
from .errors import DomainError, PermissionDenied

SCOPES = ("form", "event", "subject", "study")


class LockRefused(DomainError):
    """Locking would freeze unfinished work; ``blockers`` says what."""

    def __init__(self, blockers: list[str]):
        self.blockers = blockers
        super().__init__(f"The lock was refused: {len(blockers)} item(s) must be finished first.")


@dataclass(frozen=True)
class LockTarget:
    scope: str
    subject: Subject | None = None
    instance: FormInstance | None = None
    event_key: str | None = None
    event_repeat: int | None = None

    @property
    def label(self) -> str:
        if self.scope == "study":
            return "the study database"
        if self.scope == "subject":
            return f"casebook {self.subject.code}"
        if self.scope == "event":
            return f"{self.subject.code} visit {self.event_key}.{self.event_repeat}"
        return f"{self.subject.code} form {self.instance.ref}"


def covered_instances(session: Session, target: LockTarget) -> list[FormInstance]:
    """The (not removed) forms a lock on ``target`` freezes."""
    query = select(FormInstance).where(FormInstance.removed.is_(False))
    if target.scope == "form":
        query = query.where(FormInstance.id == target.instance.id)
    elif target.scope == "event":
        query = query.where(FormInstance.subject_id == target.subject.id, FormInstance.event_key == target.event_key,
                            FormInstance.event_repeat == target.event_repeat)
    elif target.scope == "subject":
        query = query.where(FormInstance.subject_id == target.subject.id)
    return list(session.execute(query.order_by(FormInstance.subject_id, FormInstance.id)).scalars())


def blockers(session: Session, target: LockTarget) -> list[str]:
    """Everything that must be finished before ``target`` can be locked, one sentence each."""
    found: list[str] = []
    subjects: dict[int, Subject] = {}
    for instance in covered_instances(session, target):
        subject = subjects.get(instance.subject_id) or session.get(Subject, instance.subject_id)
        subjects[instance.subject_id] = subject
        where = f"{subject.code} {instance.ref}"
        open_queries = session.execute(
            select(Query).where(Query.instance_id == instance.id, Query.state != "closed").order_by(Query.id)
        ).scalars().all()
        for query in open_queries:
            found.append(f"{where}: query #{query.id} on {query.field or 'the form'} is {query.state}")
        state = sdv.form_state(session, instance)
        if state.changed:
            found.append(f"{where}: changed since verified ({', '.join(state.changed)})")
        elif not state.complete:
            found.append(f"{where}: source data verification pending ({len(state.verified)} of {state.required} required fields verified)")
        found.extend(signatures.refusals_for_lock(session, subject, instance))
    return found


def _site_id(target: LockTarget) -> int | None:
    return target.subject.site_id if target.subject is not None else None


def _check_may_lock(user, target: LockTarget) -> None:
    if target.scope not in SCOPES:
        raise DomainError(f"Unknown lock scope {target.scope}.")
    if not user_can(user, "record.lock", _site_id(target)):
        raise PermissionDenied("Only data managers lock and unlock records.")


def _record(target: LockTarget) -> RecordRef:
    if target.subject is None:
        return RecordRef()
    instance = target.instance
    return RecordRef(site=target.subject.site.code, subject=target.subject.code,
                     form=instance.form_key if instance else None, instance=instance.ref if instance else None)


def _lock_row(lock: Lock) -> dict:
    return {"lock_id": lock.id, "scope": lock.scope, "event_key": lock.event_key, "event_repeat": lock.event_repeat}


def lock_records(session: Session, ledger, user, target: LockTarget) -> Lock:
    """Lock ``target``.

    :raises PermissionDenied: for anyone but a data manager.
    :raises LockRefused: listing every open query, missing SDV and missing signature.
    :raises DomainError: when the target is already locked.
    """
    _check_may_lock(user, target)
    if target.scope == "form" and target.instance.removed:
        raise DomainError("A removed form cannot be locked.")
    already = _already_locked(session, target)
    if already:
        raise DomainError(f"{target.label[0].upper()}{target.label[1:]} is already locked: {already[0]}")
    found = blockers(session, target)
    if found:
        raise LockRefused(found)
    instances = covered_instances(session, target)
    lock = Lock(
        scope=target.scope, subject_id=target.subject.id if target.subject else None,
        event_key=target.event_key if target.scope == "event" else (target.instance.event_key if target.instance else None),
        event_repeat=target.event_repeat if target.scope == "event" else (target.instance.event_repeat if target.instance else None),
        instance_id=target.instance.id if target.instance else None,
        locked_by=user.id, locked_at=ledger.clock(), active=True,
    )
    session.add(lock)
    for instance in instances:
        instance.locked = True
    session.flush()
    ledger_service.append(
        session, ledger,
        actor=actor_for(user, _site_id(target)),
        action="lock.locked",
        record=_record(target),
        payload={**_lock_row(lock), "forms": len(instances)},
    )
    return lock


def _already_locked(session: Session, target: LockTarget) -> list[str]:
    """Locks already freezing the whole of ``target`` (a study lock covers everything)."""
    if target.scope == "form":
        return gates.lock_refusals(session, target.subject, target.instance)
    found = []
    for lock in session.execute(select(Lock).where(Lock.active.is_(True))).scalars():
        if lock.scope == "study":
            found.append("The study database is locked.")
        elif target.scope in ("subject", "event") and lock.subject_id == target.subject.id and lock.scope == "subject":
            found.append(f"The casebook of {target.subject.code} is locked.")
        elif (target.scope == "event" and lock.scope == "event" and lock.subject_id == target.subject.id
              and (lock.event_key, lock.event_repeat) == (target.event_key, target.event_repeat)):
            found.append("This visit is locked.")
    return found


def unlock_records(session: Session, ledger, user, lock: Lock, reason: str) -> Lock:
    """Lift ``lock`` with a reason; forms no other active lock covers become editable again.

    :raises PermissionDenied: for anyone but a data manager.
    :raises DomainError: without a reason, or when the lock is no longer active.
    """
    target = target_of(session, lock)
    _check_may_lock(user, target)
    if not (reason or "").strip():
        raise DomainError("Unlocking needs a reason (it is kept in the audit trail).")
    if not lock.active:
        raise DomainError("This lock was already lifted.")
    lock.active = False
    lock.unlocked_by = user.id
    lock.unlock_reason = reason.strip()
    session.flush()
    reopened = []
    for instance in covered_instances(session, target):
        subject = session.get(Subject, instance.subject_id)
        if not gates.lock_refusals(session, subject, instance):
            instance.locked = False
            reopened.append(instance.ref)
    session.flush()
    ledger_service.append(
        session, ledger,
        actor=actor_for(user, _site_id(target)),
        action="lock.unlocked",
        record=_record(target),
        payload={**_lock_row(lock), "forms_reopened": len(reopened)},
        reason=reason.strip(),
    )
    return lock


def target_of(session: Session, lock: Lock) -> LockTarget:
    subject = session.get(Subject, lock.subject_id) if lock.subject_id else None
    instance = session.get(FormInstance, lock.instance_id) if lock.instance_id else None
    return LockTarget(lock.scope, subject, instance, lock.event_key, lock.event_repeat)


def active_locks(session: Session, subject: Subject | None = None) -> list[Lock]:
    """Active locks (of ``subject`` and the study when given), newest first."""
    query = select(Lock).where(Lock.active.is_(True))
    if subject is not None:
        query = query.where((Lock.subject_id == subject.id) | (Lock.scope == "study"))
    return list(session.execute(query.order_by(Lock.id.desc())).scalars())
