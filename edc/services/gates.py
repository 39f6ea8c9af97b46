"""Entry gates: the order the protocol imposes, enforced in the service layer for every caller.

No screening data before guardian permission; no treatment form before enrolment; NK infusions only
for the NK arm on the current consent version; nothing the withdrawal scope excludes; nothing
locked.  Each refusal is a sentence for the user.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.schedule import event

from ..models import FormInstance, Lock, Subject
from .consent_state import site_today, state_of
from .records import find_instance

ENROLLED_STATUSES = ("enrolled", "on_treatment", "follow_up")
CLOSED_STATUSES = ("completed", "died", "screen_failure")


def entry_refusals(session: Session, subject: Subject, slot, form_key: str, today: date | None = None) -> list[str]:
    today = today or site_today(datetime.now(timezone.utc), subject)
    spec = event(slot.event_key)
    consent = state_of(session, subject, today)
    refusals: list[str] = []
    if not consent.has_permission:
        if consent.withdrawn_scope == "ALL":
            refusals.append("Consent was withdrawn for all further procedures: no more data can be entered.")
        else:
            refusals.append("No guardian permission is recorded yet: capture consent before entering any study data.")
        return refusals + lock_refusals(session, subject, None, slot)
    withdrawn_scope = subject.withdrawal_scope or consent.withdrawn_scope
    if spec.phase in ("treatment", "follow_up"):
        follow_up_after_withdrawal = spec.phase == "follow_up" and withdrawn_scope == "TREATMENT_ONLY"
        if subject.status not in ENROLLED_STATUSES and not follow_up_after_withdrawal:
            refusals.append(f"{subject.code} is not enrolled (status: {subject.status.replace('_', ' ')}): treatment and response forms open after enrolment.")
        if spec.phase == "treatment" and withdrawn_scope == "TREATMENT_ONLY":
            refusals.append("The subject was withdrawn from treatment: only follow-up data may be entered.")
    if withdrawn_scope == "ALL" and spec.key != "end_of_study" and form_key not in ("adverse_event",):
        refusals.append("The subject was withdrawn from all further procedures: only end-of-study data and adverse events can be entered.")
    if spec.arm and subject.arm and subject.arm != spec.arm:
        refusals.append(f"{spec.label} forms are for the {spec.arm} arm only; {subject.code} is in the {subject.arm} arm.")
    if spec.arm and subject.arm is None and spec.phase == "treatment" and not refusals:
        refusals.append(f"{subject.code} has no arm assigned yet.")
    if form_key == "infusion" and not consent.on_current_version:
        refusals.append("The guardian consented on an older consent version: re-consent on the current version before any NK infusion.")
    if subject.status in ("completed", "died") and spec.key != "end_of_study" and form_key not in ("adverse_event", "conmeds"):
        refusals.append(f"{subject.code} has ended the study ({subject.status}); only end-of-study data and logs can be entered.")
    return refusals + lock_refusals(session, subject, None, slot)


def lock_refusals(session: Session, subject: Subject, instance: FormInstance | None, slot=None) -> list[str]:
    """Refusals caused by a data manager's lock on the study, subject, event or form."""
    event_key = instance.event_key if instance else slot.event_key
    event_repeat = instance.event_repeat if instance else slot.event_repeat
    if instance is None and slot is not None:
        instance = find_instance(session, subject, slot)
    for lock in session.execute(select(Lock).where(Lock.active.is_(True))).scalars():
        if lock.scope == "study":
            return ["The study database is locked: no changes are possible."]
        if lock.subject_id != subject.id:
            continue
        if lock.scope == "subject":
            return [f"The casebook of {subject.code} is locked."]
        if lock.scope == "event" and (lock.event_key, lock.event_repeat) == (event_key, event_repeat):
            return ["This visit is locked."]
        if lock.scope == "form" and instance is not None and lock.instance_id == instance.id:
            return ["This form is locked."]
    return []
