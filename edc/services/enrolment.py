"""The enrolment gate: nobody enters the study unless every prerequisite holds on the enrolment day.

The prerequisites (issue 5, spec 1.2 E15/ORD and 6.2): guardian permission on the guardian document in
force (with as many guardians as the study requires and the obtainer's e-signature), assent where the
child is of assent age, eligibility derived from the saved screening form with today's logs, the
investigator's confirmation still covering the screening data as saved, and no withdrawal.  The check
runs in the service, so no route and no role can go around it; a refusal lists every missing item.
Allocation is non-randomised (spec P14): the investigator records the arm and its basis.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef
from config.protocol import REGISTRY, Parameters

from ..models import ARMS, ESignature, Subject
from ..permissions import user_can
from ..wiring import actor_for
from . import consent_state, eligibility
from . import ledger as ledger_service
from .consent import WITHDRAWAL_SCOPES
from .errors import DomainError, PermissionDenied

ALLOCATION_BASES = {
    "NK_PRODUCT_AVAILABLE": "Suitable donor and NK-cell product available",
    "NK_PRODUCT_UNAVAILABLE": "No suitable donor or NK-cell product",
    "GUARDIAN_CHOICE": "Guardian's informed choice of arm",
    "CLINICAL_JUDGEMENT": "Investigator's clinical judgement",
    "OTHER": "Other (explain)",
}


class EnrolmentRefused(DomainError):
    """Enrolment is not possible; ``reasons`` lists every missing item."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("Enrolment refused: " + " ".join(reasons))


@dataclass(frozen=True)
class Prerequisite:
    label: str
    met: bool
    detail: str
    """What is missing (when not met), or what satisfies it."""


def _consent_items(session: Session, subject: Subject, on: date, params: Parameters) -> list[Prerequisite]:
    state = consent_state.state_of(session, subject, on)
    record = state.record
    items = []
    if record is None:
        return [Prerequisite("Guardian permission", False, "No guardian permission is recorded.")]
    if state.withdrawn_scope is not None:
        items.append(Prerequisite("No withdrawal", False,
                                  f"Consent was withdrawn ({WITHDRAWAL_SCOPES[state.withdrawn_scope].lower()})."))
    else:
        items.append(Prerequisite("No withdrawal", True, "No withdrawal recorded."))
    current = state.current_document
    if current is None:
        items.append(Prerequisite("Current consent version", False, f"No guardian permission document is in force on {on.isoformat()}."))
    elif record.document_id != current.id:
        items.append(Prerequisite("Current consent version", False,
                                  f"Guardian permission was given on version {record.document.version_label}; version "
                                  f"{current.version_label} is in force: re-consent on it first."))
    else:
        items.append(Prerequisite("Current consent version", True, f"Version {current.version_label}, signed {record.consent_date.isoformat()}."))
    required = int(params["guardians_required"])
    signed = len(consent_state.guardians_of(record))
    items.append(Prerequisite(
        "Guardian signatures", signed >= required,
        f"{signed} of {required} required guardian signature{'s' if required != 1 else ''}"
        + ("." if signed >= required else f": {required - signed} more guardian must sign (study configuration)."),
    ))
    signature = session.get(ESignature, record.obtainer_signature_id) if record.obtainer_signature_id else None
    obtained = signature is not None and signature.valid and signature.meaning == "consent_obtained"
    items.append(Prerequisite("Consent obtained (staff e-signature)", obtained,
                              f"Signed by {signature.printed_name}." if obtained else "The e-signature of the staff member who obtained consent is missing."))
    items.append(_assent_item(session, subject, record, on, params))
    return items


def _assent_item(session: Session, subject: Subject, record, on: date, params: Parameters) -> Prerequisite:
    if record.assent_required:
        if record.assent_obtained == "Y":
            return Prerequisite("Child assent", True, "The child assented and signed.")
        if record.assent_obtained == "NOT_CAPABLE":
            return Prerequisite("Child assent", True, "Not capable of assent; justified by the investigator.")
        return Prerequisite("Child assent", False, "The child did not assent: enrolment is not possible without assent.")
    birth = consent_state.birth_date(session, subject)
    if birth is None:
        return Prerequisite("Child assent", False, "The child's date of birth was not recorded with the consent, so the need for assent cannot be judged.")
    minimum = int(params["assent_min_age_years"])
    if consent_state.assent_due(birth, on, minimum):
        return Prerequisite("Child assent", False,
                            f"The child has reached {minimum} years since consent was given: obtain assent (re-consent) first.")
    return Prerequisite("Child assent", True, f"Not required (under {minimum} years).")


def _eligibility_items(session: Session, subject: Subject, on: date) -> list[Prerequisite]:
    evaluation = eligibility.assess(session, subject, on)
    if evaluation is None:
        items = [Prerequisite("Eligible", False, "The screening form has not been saved.")]
    else:
        failed = eligibility.not_met(evaluation)
        if failed:
            reasons = [f.message for f in evaluation.hard if f.check not in ("ORD",)]
            detail = f"Criteria not met or not assessable on {on.isoformat()}: {', '.join(failed)}."
            if reasons:
                detail += " " + " ".join(reasons)
            items = [Prerequisite("Eligible", False, detail)]
        else:
            items = [Prerequisite("Eligible", True, f"Every criterion met on {on.isoformat()}.")]
    confirmation = eligibility.valid_confirmation(session, subject)
    if confirmation is not None:
        items.append(Prerequisite("Investigator's eligibility confirmation", True,
                                  f"Confirmed by {confirmation.printed_name}."))
    else:
        invalidated = session.execute(select(ESignature).where(
            ESignature.subject_id == subject.id, ESignature.meaning == eligibility.MEANING,
        ).limit(1)).scalar_one_or_none()
        items.append(Prerequisite(
            "Investigator's eligibility confirmation", False,
            "The investigator's confirmation was invalidated by a later change: confirm eligibility again."
            if invalidated is not None else "The investigator has not confirmed eligibility.",
        ))
    return items


def checklist(session: Session, subject: Subject, on: date, params: Parameters = REGISTRY) -> list[Prerequisite]:
    """Every enrolment prerequisite for ``subject`` on day ``on``, met or not."""
    items = []
    if subject.status != "screening":
        items.append(Prerequisite("In screening", False, f"{subject.code} is {subject.status.replace('_', ' ')}, not in screening."))
    return items + _consent_items(session, subject, on, params) + _eligibility_items(session, subject, on)


def refusals(session: Session, subject: Subject, on: date, params: Parameters = REGISTRY) -> list[str]:
    return [item.detail for item in checklist(session, subject, on, params) if not item.met]


def enrol_subject(session: Session, ledger, user, subject: Subject, *, arm: str | None, basis_code: str | None,
                  basis_text: str | None, params: Parameters = REGISTRY) -> Subject:
    """Assign the arm with its allocation basis and move the subject to ``enrolled`` today.

    :raises PermissionDenied: unless an investigator of the subject's site.
    :raises EnrolmentRefused: listing every prerequisite not met and every missing allocation detail.
    """
    if not user_can(user, "subject.enrol", subject.site_id):
        raise PermissionDenied("Only an investigator of this site enrols subjects.")
    today = consent_state.site_today(ledger.clock(), subject)
    reasons = refusals(session, subject, today, params)
    if arm not in ARMS:
        reasons.append("Choose the arm (NK cells or control).")
    if basis_code not in ALLOCATION_BASES:
        reasons.append("Choose the basis of the allocation (non-randomised: spec P14).")
    if not (basis_text or "").strip():
        reasons.append("Describe the basis of the allocation.")
    if reasons:
        raise EnrolmentRefused(reasons)
    record = consent_state.latest_record(session, subject)
    confirmation = eligibility.valid_confirmation(session, subject)
    previous = subject.status
    subject.arm = arm
    subject.allocation_basis = f"{basis_code}: {basis_text.strip()}"
    subject.enrolled_on = today
    subject.status = "enrolled"
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="subject.enrolled",
        record=RecordRef(site=subject.site.code, subject=subject.code),
        payload={
            "arm": arm, "allocation_basis_code": basis_code, "allocation_basis": basis_text.strip(),
            "allocation": "non-randomised", "enrolled_on": today.isoformat(), "status_before": previous,
            "status": subject.status, "consent_record_id": record.id, "consent_document_id": record.document_id,
            "consent_version_label": record.document.version_label,
            "eligibility_signature_id": confirmation.id,
        },
    )
    return subject
