"""What a save of a treatment, safety or response form changes beyond its own values: subject status,
automatic protocol deviations, and re-derivation of later response assessments."""
from __future__ import annotations

from sqlalchemy.orm import Session

from audit.entry import RecordRef
from forms.core import evaluate

from ..models import FormInstance, Subject
from ..wiring import actor_for
from . import context as form_context
from . import deviations, records
from . import ledger as ledger_service
from .hooks import register


def change_status(session: Session, ledger, user, subject: Subject, status: str, reason: str) -> None:
    if subject.status == status:
        return
    old = subject.status
    subject.status = status
    session.flush()
    ledger_service.append(session, ledger, actor=actor_for(user, subject.site_id), action="subject.status_changed",
                          record=RecordRef(site=subject.site.code, subject=subject.code),
                          payload={"old": old, "new": status}, reason=reason)


@register("infusion")
def after_infusion(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    deviations.record_detected(session, ledger, user, subject, instance, evaluation.derived.get("deviations") or [])
    if subject.status == "enrolled":
        change_status(session, ledger, user, subject, "on_treatment", "first NK infusion recorded")


@register("chemotherapy")
def after_chemotherapy(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    if subject.status == "enrolled":
        change_status(session, ledger, user, subject, "on_treatment", "first chemotherapy course recorded")


@register("adverse_event")
def after_adverse_event(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    deviations.record_detected(session, ledger, user, subject, instance, evaluation.derived.get("deviations") or [])


@register("end_of_study")
def after_end_of_study(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    status = evaluation.derived.get("SUBJECT_STATUS")
    closes = evaluation.derived.get("ENTRY_CLOSED")
    subject.withdrawal_scope = {"TREATMENT": "TREATMENT_ONLY", "ALL": "ALL"}.get(closes) if status == "withdrawn" else None
    if status:
        change_status(session, ledger, user, subject, status, "end-of-study form")


@register("tumour_assessment")
def rederive_later_assessments(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    """Changing an assessment can move the baseline or the nadir of every later one: re-derive them."""
    from .crf import Slot

    this_day = next((v.value for v in instance.values if v.field == "ASSESS_DT"), None) or ""
    later = [i for i in records.instances(session, subject, "tumour_assessment", instance)
             if (next((v.value for v in i.values if v.field == "ASSESS_DT"), None) or "") > this_day]
    for other in sorted(later, key=lambda i: next((v.value for v in i.values if v.field == "ASSESS_DT"), "")):
        _rederive(session, ledger, user, subject, other, form, Slot(other.event_key, other.event_repeat, other.form_key, other.repeat_no))


def _rederive(session, ledger, user, subject: Subject, other: FormInstance, form, slot) -> None:
    from .crf import write_derived

    data = {v.field: v.value for v in other.values if not v.derived}
    context = form_context.build(session, subject, form.key, slot, data, other)
    result = evaluate(form, data, context)
    changes = write_derived(session, other, result.derived)
    if not changes:
        return
    other.revision += 1
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="crf.updated",
        record=RecordRef(site=subject.site.code, subject=subject.code, form=other.form_key, instance=other.ref),
        payload={"form_version": other.form_version, "revision": other.revision, "status": other.status,
                 "changes": [], "derived": changes, "rule_version": f"{form.key}/v{form.version}"},
        reason="Re-derived after a change to an earlier assessment",
    )
