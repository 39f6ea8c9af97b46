"""Source data verification marks bound to the exact values verified.

A mark stores the SHA-256 of the field's value as verified; any later change to that field clears
it automatically ("changed since verified") and says so in the ledger.  How much of a form needs
verifying comes from ``forms.schedule.SDV_REQUIREMENT`` (percent of its entered fields, default
``SDV_REQUIRED_DEFAULT``).

The ledger entry of a verification names the fields and the record revision, never the value
hashes: a hash of one short value (a date of birth) could be reversed by trying every candidate.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.canonical import canonical_bytes
from audit.entry import RecordRef
from forms.registry import get_form
from forms.schedule import SDV_REQUIRED_DEFAULT, SDV_REQUIREMENT

from ..models import FormInstance, ItemValue, SdvMark, Subject
from ..permissions import site_ids_for, user_can
from ..wiring import actor_for
from . import gates
from . import ledger as ledger_service
from .errors import DomainError, EntryRefused, PermissionDenied

VERIFIED = "verified"
PENDING = "pending"
CHANGED = "changed since verified"


def value_hash(field: str, value: str | None, missing: str | None) -> str:
    return hashlib.sha256(canonical_bytes({"field": field, "value": value, "missing": missing})).hexdigest()


def required_percent(form_key: str) -> int:
    """The monitoring plan's SDV requirement for ``form_key`` in percent of its entered fields."""
    return SDV_REQUIREMENT.get(form_key, SDV_REQUIRED_DEFAULT)


def required_count(form_key: str, field_count: int) -> int:
    return math.ceil(field_count * required_percent(form_key) / 100)


@dataclass
class FormSdv:
    """The SDV state of one form instance, field by field."""

    instance: FormInstance
    fields: dict[str, str] = field(default_factory=dict)
    """field name -> VERIFIED, PENDING or CHANGED"""
    required: int = 0

    @property
    def verified(self) -> list[str]:
        return [name for name, state in self.fields.items() if state == VERIFIED]

    @property
    def changed(self) -> list[str]:
        return [name for name, state in self.fields.items() if state == CHANGED]

    @property
    def pending(self) -> list[str]:
        return [name for name, state in self.fields.items() if state == PENDING]

    @property
    def complete(self) -> bool:
        """The requirement is met and no verified value has changed since."""
        return len(self.verified) >= self.required and not self.changed

    @property
    def state(self) -> str:
        if self.changed:
            return CHANGED
        return VERIFIED if self.complete else PENDING


def _stored(instance: FormInstance) -> dict[str, ItemValue]:
    return {v.field: v for v in instance.values if not v.derived}


def form_state(session: Session, instance: FormInstance) -> FormSdv:
    """Each entered field's SDV state; a mark counts only while its hash matches the stored value."""
    form = get_form(instance.form_key, instance.form_version)
    stored = _stored(instance)
    marks = session.execute(select(SdvMark).where(SdvMark.instance_id == instance.id)).scalars().all()
    current = {m.field: m for m in marks if m.current}
    ever = {m.field for m in marks}
    result = FormSdv(instance, required=required_count(form.key, len(form.entered_fields)))
    for spec in form.entered_fields:
        row = stored.get(spec.name)
        now_hash = value_hash(spec.name, row.value if row else None, row.missing_reason if row else None)
        mark = current.get(spec.name)
        if mark is not None and mark.value_sha256 == now_hash:
            result.fields[spec.name] = VERIFIED
        elif spec.name in ever:
            result.fields[spec.name] = CHANGED
        else:
            result.fields[spec.name] = PENDING
    return result


def _check_may_verify(session: Session, user, subject: Subject, instance: FormInstance) -> None:
    if not user_can(user, "sdv.mark", subject.site_id):
        raise PermissionDenied("Only the monitor of this site verifies source data.")
    if instance.subject_id != subject.id:
        raise DomainError("This form does not belong to the subject.")
    if instance.removed:
        raise DomainError("This form was removed: there is nothing to verify.")
    refusals = gates.lock_refusals(session, subject, instance)
    if refusals:
        raise EntryRefused(refusals)


def verify_fields(session: Session, ledger, user, subject: Subject, instance: FormInstance, fields, *,
                  scope: str = "field") -> list[str]:
    """Mark ``fields`` of ``instance`` verified against source; return the fields newly marked.

    :raises PermissionDenied: unless the user is a monitor at the subject's site.
    :raises EntryRefused: when the record is locked.
    :raises DomainError: for an unknown field or a removed form.
    """
    _check_may_verify(session, user, subject, instance)
    form = get_form(instance.form_key, instance.form_version)
    known = {spec.name for spec in form.entered_fields}
    wanted = list(dict.fromkeys(fields))
    unknown = [name for name in wanted if name not in known]
    if unknown or not wanted:
        raise DomainError(f"Choose fields of {form.title} to verify" + (f" (unknown: {', '.join(unknown)})." if unknown else "."))
    state = form_state(session, instance)
    stored = _stored(instance)
    now = ledger.clock()
    marked: list[str] = []
    for name in wanted:
        if state.fields[name] == VERIFIED:
            continue
        for old in session.execute(
            select(SdvMark).where(SdvMark.instance_id == instance.id, SdvMark.field == name, SdvMark.current.is_(True))
        ).scalars():
            old.current = False
        row = stored.get(name)
        session.add(SdvMark(instance_id=instance.id, field=name, verified_by=user.id, verified_at=now, current=True,
                            value_sha256=value_hash(name, row.value if row else None, row.missing_reason if row else None)))
        marked.append(name)
    if marked:
        session.flush()
        ledger_service.append(
            session, ledger,
            actor=actor_for(user, subject.site_id),
            action="sdv.verified",
            record=RecordRef(site=subject.site.code, subject=subject.code, form=instance.form_key, instance=instance.ref,
                             field=marked[0] if scope == "field" and len(marked) == 1 else None),
            payload={"fields": marked, "scope": scope, "form_version": instance.form_version, "revision": instance.revision},
        )
    return marked


def verify_form(session: Session, ledger, user, subject: Subject, instance: FormInstance) -> list[str]:
    """Verify every entered field of one form."""
    form = get_form(instance.form_key, instance.form_version)
    return verify_fields(session, ledger, user, subject, instance, [s.name for s in form.entered_fields], scope="form")


def verify_event(session: Session, ledger, user, subject: Subject, event_key: str, event_repeat: int) -> dict[str, list[str]]:
    """Verify every form of one visit; return the fields newly marked per form instance.

    :raises DomainError: when the visit holds no form yet.
    """
    if not user_can(user, "sdv.mark", subject.site_id):
        raise PermissionDenied("Only the monitor of this site verifies source data.")
    instances = session.execute(
        select(FormInstance).where(
            FormInstance.subject_id == subject.id, FormInstance.event_key == event_key,
            FormInstance.event_repeat == event_repeat, FormInstance.removed.is_(False),
        ).order_by(FormInstance.form_key, FormInstance.repeat_no)
    ).scalars().all()
    if not instances:
        raise DomainError("This visit has no forms to verify yet.")
    done: dict[str, list[str]] = {}
    for instance in instances:
        form = get_form(instance.form_key, instance.form_version)
        done[instance.ref] = verify_fields(session, ledger, user, subject, instance,
                                           [s.name for s in form.entered_fields], scope="event")
    return done


def invalidate_changed(session: Session, ledger, user, subject: Subject, instance: FormInstance, fields: set[str]) -> None:
    if not fields:
        return
    marks = session.execute(
        select(SdvMark).where(SdvMark.instance_id == instance.id, SdvMark.current.is_(True), SdvMark.field.in_(fields))
    ).scalars().all()
    for mark in marks:
        mark.current = False
    if marks:
        session.flush()
        ledger_service.append(
            session, ledger,
            actor=actor_for(user, subject.site_id),
            action="sdv.invalidated",
            record=RecordRef(site=subject.site.code, subject=subject.code, form=instance.form_key, instance=instance.ref),
            payload={"fields": sorted(m.field for m in marks), "cause": "value changed since verified"},
        )


@dataclass
class SubjectSdv:
    subject: Subject
    forms: list[FormSdv]

    def count(self, state: str) -> int:
        return sum(1 for f in self.forms if f.state == state)


def dashboard(session: Session, user, *, site_id: int | None = None, subject_code: str | None = None) -> list[SubjectSdv]:
    """Per subject at the monitor's sites: each form's SDV state (verified, pending, changed since verified).

    :raises PermissionDenied: for roles that do not verify source data.
    """
    sites = site_ids_for(user, "sdv.mark")
    if sites is not None and not sites:
        raise PermissionDenied("Only monitors see the SDV dashboard.")
    statement = (select(FormInstance, Subject).join(Subject, Subject.id == FormInstance.subject_id)
                 .where(FormInstance.removed.is_(False))
                 .order_by(Subject.code, FormInstance.event_key, FormInstance.event_repeat, FormInstance.form_key, FormInstance.repeat_no))
    if sites is not None:
        statement = statement.where(Subject.site_id.in_(sites))
    if site_id:
        statement = statement.where(Subject.site_id == site_id)
    if subject_code:
        statement = statement.where(Subject.code == subject_code)
    by_subject: dict[int, SubjectSdv] = {}
    for instance, subject in session.execute(statement).all():
        by_subject.setdefault(subject.id, SubjectSdv(subject, [])).forms.append(form_state(session, instance))
    return list(by_subject.values())
