"""Screening and eligibility: the screening form's context, the investigator's confirmation, screen failures.

The investigator confirms eligibility with an e-signature (meaning ``eligibility_confirmed``) bound to
the saved screening values and revision.  Any later change to the screening form - or to the logs its
criteria read (concomitant medications for E9/E10, baseline conditions for E13) - while the subject is
still in screening invalidates that confirmation (``eligibility.invalidated``), through the form hooks
registered below.  Importing this module registers those hooks and the screening context builder.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef
from forms.core import Evaluation, evaluate
from forms.registry import get_form
from forms.screening import CRITERIA

from ..models import ConsentRecord, ESignature, FormInstance, Subject
from ..models.consent import ScreenFailure
from ..permissions import site_ids_for, user_can
from ..wiring import actor_for
from . import consent_state, hooks, records
from . import context as form_context
from . import ledger as ledger_service
from .consent import sign_content, signature_payload
from .errors import DomainError, PermissionDenied
from .reauth import reauthenticate
from .records import restrict_to_sites

MEANING = "eligibility_confirmed"
SCOPE = "eligibility"
SCREENING_EVENT = "screening"
CONMED_FIELDS = ("CMTRT", "CMDOSE_MG_DAY", "CMROUTE", "CMSTDTC", "CMENDTC")
CONDITION_FIELDS = ("TERM", "SOC", "GRADE", "ONGOING")
ELIGIBILITY_INPUT_FORMS = ("screening", "conmeds", "baseline_conditions")
NON_CRITERION_REASONS = {
    "CONSENT_DECLINED": "Guardian declined or did not return to consent",
    "ASSENT_REFUSED": "Child did not assent",
    "LOST": "Did not return for screening",
    "OTHER": "Other reason (explain)",
}


class EligibilityRefused(DomainError):
    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


# --- the screening form's context (the harness ``context``) ---------------------------------------

def _records(session: Session, subject: Subject, form_key: str, names: tuple[str, ...]) -> list[dict[str, Any]]:
    rows = []
    for instance in records.instances(session, subject, form_key):
        values = records.values_of(instance)
        rows.append({name: values.get(name) for name in names})
    return rows


def screening_context(session: Session, subject: Subject, enrolment_date: date) -> dict[str, Any]:
    """ENRLDT and the subject's medication and baseline-condition logs, as the harness contract names them."""
    return {
        "ENRLDT": enrolment_date.isoformat(),
        "conmeds": _records(session, subject, "conmeds", CONMED_FIELDS),
        "baseline_conditions": _records(session, subject, "baseline_conditions", CONDITION_FIELDS),
    }


@form_context.builder("screening")
def _build_screening_context(session: Session, subject: Subject, slot, data, instance) -> dict[str, Any]:
    return screening_context(session, subject, subject.enrolled_on or consent_state.site_today(datetime.now(timezone.utc), subject))


# --- eligibility as of a day -------------------------------------------------------------------------

def screening_instance(session: Session, subject: Subject) -> FormInstance | None:
    return session.execute(select(FormInstance).where(
        FormInstance.subject_id == subject.id, FormInstance.form_key == "screening",
        FormInstance.event_key == SCREENING_EVENT, FormInstance.removed.is_(False),
    ).order_by(FormInstance.id).limit(1)).scalar_one_or_none()


def entered_values(instance: FormInstance) -> dict[str, str | None]:
    return {v.field: v.value for v in instance.values if not v.derived}


def assess(session: Session, subject: Subject, on: date) -> Evaluation | None:
    """The saved screening values evaluated again with today's logs and ``on`` as enrolment date;
    ``None`` when no screening form is saved."""
    instance = screening_instance(session, subject)
    if instance is None:
        return None
    form = get_form("screening", instance.form_version)
    return evaluate(form, entered_values(instance), screening_context(session, subject, on))


def not_met(evaluation: Evaluation) -> list[str]:
    return list(evaluation.derived.get("failed_criteria") or [])


# --- confirmation ------------------------------------------------------------------------------------

def _target(instance: FormInstance) -> str:
    return f"{instance.ref}@{instance.revision}"


def valid_confirmation(session: Session, subject: Subject) -> ESignature | None:
    """The investigator's confirmation if it still covers the saved screening form as it is now."""
    signature = session.execute(select(ESignature).where(
        ESignature.subject_id == subject.id, ESignature.meaning == MEANING, ESignature.valid.is_(True),
    ).order_by(ESignature.id.desc()).limit(1)).scalar_one_or_none()
    instance = screening_instance(session, subject)
    if signature is None or instance is None or signature.target != _target(instance):
        return None
    return signature


def confirm_eligibility(session: Session, ledger, user, subject: Subject, *, password: str, totp_code: str,
                        lockout_threshold: int, client_address: str | None = None) -> ESignature:
    """The investigator's e-signature "Eligibility confirmed" over the saved screening form.

    :raises PermissionDenied: unless an investigator of the subject's site.
    :raises EligibilityRefused: listing why eligibility cannot be confirmed now.
    :raises ReauthenticationFailed: see :func:`edc.services.consent.capture_consent`.
    """
    if not user_can(user, "eligibility.confirm", subject.site_id):
        raise PermissionDenied("Only an investigator of this site confirms eligibility.")
    today = consent_state.site_today(ledger.clock(), subject)
    reasons = []
    if subject.status != "screening":
        reasons.append(f"{subject.code} is not in screening (status: {subject.status.replace('_', ' ')}).")
    if not consent_state.state_of(session, subject, today).has_permission:
        reasons.append("No valid guardian permission is recorded.")
    instance = screening_instance(session, subject)
    evaluation = assess(session, subject, today)
    if instance is None or evaluation is None:
        reasons.append("The screening form has not been saved.")
    elif not_met(evaluation):
        reasons.append(f"Criteria not met or not assessable: {', '.join(not_met(evaluation))}. Correct the screening "
                       "data or record a screen failure.")
    if valid_confirmation(session, subject) is not None:
        reasons.append("Eligibility is already confirmed for the screening data as saved.")
    if reasons:
        raise EligibilityRefused(reasons)
    key = reauthenticate(session, ledger, user, password, totp_code, lockout_threshold=lockout_threshold,
                         client_address=client_address)
    content = {
        "subject": subject.code, "form": "screening", "form_version": instance.form_version,
        "instance": instance.ref, "revision": instance.revision, "values": entered_values(instance),
        "eligible": True, "enrolment_date_assessed": today.isoformat(),
    }
    signature = sign_content(session, user, key, meaning=MEANING, scope=SCOPE, subject=subject,
                             target=_target(instance), content=content, signed_at=ledger.clock())
    entry = ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="eligibility.confirmed",
        record=RecordRef(site=subject.site.code, subject=subject.code, form="screening", instance=instance.ref),
        payload={"revision": instance.revision, "form_version": instance.form_version, **signature_payload(signature, user)},
    )
    signature.ledger_seq = entry.seq
    return signature


def invalidate_confirmation(session: Session, ledger, user, subject: Subject, cause: str) -> ESignature | None:
    """Withdraw a still-valid confirmation (``eligibility.invalidated``); ``None`` when there was none."""
    signature = session.execute(select(ESignature).where(
        ESignature.subject_id == subject.id, ESignature.meaning == MEANING, ESignature.valid.is_(True),
    )).scalars().all()
    if not signature:
        return None
    for row in signature:
        row.valid = False
        row.invalidated_at = ledger.clock()
        row.invalidated_reason = cause
        session.flush()
        ledger_service.append(
            session, ledger, actor=actor_for(user, subject.site_id), action="eligibility.invalidated",
            record=RecordRef(site=subject.site.code, subject=subject.code, form="screening"),
            payload={"signature_id": row.id, "meaning": MEANING, "content_sha256": row.content_sha256, "cause": cause},
        )
    return signature[-1]


def _after_eligibility_input_saved(session, ledger, user, subject, instance, form, evaluation, created) -> None:
    if subject.status != "screening":
        return
    what = "saved" if created else "changed"
    invalidate_confirmation(session, ledger, user, subject, f"{form.title} {what} ({instance.ref}, revision {instance.revision}) after confirmation")


for _form_key in ELIGIBILITY_INPUT_FORMS:
    hooks.register(_form_key)(_after_eligibility_input_saved)


# --- screen failures and the screening log -----------------------------------------------------------

def record_screen_failure(session: Session, ledger, user, subject: Subject, *, failed_on: date | None,
                          criteria: list[str], reason: str) -> ScreenFailure:
    """Close screening for a subject who will not enter the study; the subject keeps its identifier.

    :raises EligibilityRefused: listing every problem.
    """
    if not user_can(user, "eligibility.confirm", subject.site_id):
        raise PermissionDenied("Only an investigator of this site records a screen failure.")
    reasons = []
    if subject.status != "screening":
        reasons.append(f"{subject.code} is not in screening (status: {subject.status.replace('_', ' ')}).")
    unknown = [c for c in criteria if c not in CRITERIA and c not in NON_CRITERION_REASONS]
    if unknown:
        reasons.append(f"Unknown criteria: {', '.join(unknown)}.")
    if not criteria:
        reasons.append("Choose at least one criterion not met or another reason.")
    if not (reason or "").strip():
        reasons.append("Describe the reason for the screen failure.")
    if failed_on is None:
        reasons.append("Enter the date of the screen failure.")
    elif failed_on > consent_state.site_today(ledger.clock(), subject):
        reasons.append("The screen-failure date cannot be in the future.")
    if reasons:
        raise EligibilityRefused(reasons)
    invalidate_confirmation(session, ledger, user, subject, "screen failure recorded")
    ordered = [c for c in CRITERIA if c in criteria] + [c for c in NON_CRITERION_REASONS if c in criteria]
    failure = ScreenFailure(subject_id=subject.id, failed_on=failed_on, criteria=", ".join(ordered),
                            reason=reason.strip(), recorded_by=user.id, recorded_at=ledger.clock())
    session.add(failure)
    previous = subject.status
    subject.status = "screen_failure"
    subject.screen_failure_reason = f"{', '.join(ordered)}: {reason.strip()}"
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="subject.screen_failed",
        record=RecordRef(site=subject.site.code, subject=subject.code),
        payload={"failed_on": failed_on.isoformat(), "criteria": ordered, "reason": reason.strip(),
                 "status_before": previous, "status": subject.status},
    )
    return failure


@dataclass(frozen=True)
class ScreeningLogRow:
    subject: Subject
    consent_date: date | None
    failure: ScreenFailure | None


def screening_log(session: Session, user) -> list[ScreeningLogRow]:
    """Every subject screened at the user's sites with consent date, outcome and screen-failure reasons."""
    sites = site_ids_for(user, "subject.view")
    query = select(Subject).order_by(Subject.code)
    query = restrict_to_sites(query, Subject.site_id, sites)
    rows = []
    for subject in session.execute(query).scalars():
        failure = session.execute(select(ScreenFailure).where(ScreenFailure.subject_id == subject.id)
                                  .order_by(ScreenFailure.id.desc()).limit(1)).scalar_one_or_none()
        first = session.execute(select(ConsentRecord.consent_date).where(ConsentRecord.subject_id == subject.id)
                                .order_by(ConsentRecord.id).limit(1)).scalar_one_or_none()
        rows.append(ScreeningLogRow(subject, first, failure))
    return rows

