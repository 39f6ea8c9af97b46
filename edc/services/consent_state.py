"""What consent a subject holds right now: read by the entry gates, enrolment and the verifier."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.eligibility.dates import completed_years

from ..models import ConsentDocument, ConsentRecord, ConsentSigner, Subject
from . import identifiers

BIRTH_DATE_PURPOSE = "consent/child_birth_date"


@dataclass(frozen=True)
class ConsentState:
    has_permission: bool
    """Guardian permission given (with the required number of guardians) and not withdrawn."""
    on_current_version: bool
    assent_satisfied: bool
    withdrawn_scope: str | None
    record: ConsentRecord | None
    current_document: ConsentDocument | None


def current_document(session: Session, kind: str, on: date) -> ConsentDocument | None:
    """The approved document of ``kind`` in force on ``on`` (latest effective, not retired)."""
    return session.execute(
        select(ConsentDocument)
        .where(
            ConsentDocument.kind == kind,
            ConsentDocument.effective_date <= on,
            (ConsentDocument.retirement_date.is_(None)) | (ConsentDocument.retirement_date > on),
        )
        .order_by(ConsentDocument.effective_date.desc(), ConsentDocument.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_record(session: Session, subject: Subject) -> ConsentRecord | None:
    return session.execute(
        select(ConsentRecord).where(ConsentRecord.subject_id == subject.id).order_by(ConsentRecord.id.desc()).limit(1)
    ).scalar_one_or_none()


def state_of(session: Session, subject: Subject, today: date) -> ConsentState:
    record = latest_record(session, subject)
    document = current_document(session, "guardian", today)
    withdrawn = None
    for earlier in session.execute(select(ConsentRecord).where(ConsentRecord.subject_id == subject.id)).scalars():
        if earlier.withdrawn_on is not None:
            withdrawn = "ALL" if "ALL" in (withdrawn, earlier.withdrawal_scope) else earlier.withdrawal_scope
    if record is None:
        return ConsentState(False, False, False, withdrawn, None, document)
    guardians = [s for s in record.signers if s.capacity == "guardian"]
    has_permission = len(guardians) >= max(record.guardian_count, 1) and record.obtainer_signature_id is not None
    assent_ok = (not record.assent_required) or record.assent_obtained in ("Y", "NOT_CAPABLE")
    current = document is not None and record.document_id == document.id
    return ConsentState(has_permission and withdrawn != "ALL", current, assent_ok, withdrawn, record, document)


def guardians_of(record: ConsentRecord) -> list[ConsentSigner]:
    return [s for s in record.signers if s.capacity == "guardian"]


def age_on(birth: date, day: date) -> int:
    """Completed years on ``day`` (spec 1.2: 29 February birthdays fall on 1 March)."""
    return completed_years(birth, day)


def assent_due(birth: date, consent_date: date, assent_min_age_years: int) -> bool:
    """Assent is requested from the day the child reaches the assent age (birthday included)."""
    return age_on(birth, consent_date) >= assent_min_age_years


def seal_birth_date(session: Session, subject: Subject, birth: date) -> str:
    return json.dumps(identifiers.seal(session, subject, birth.isoformat(), BIRTH_DATE_PURPOSE), sort_keys=True)


def birth_date(session: Session, subject: Subject) -> date | None:
    """The child's date of birth typed at the latest consent; ``None`` when unknown or erased."""
    record = latest_record(session, subject)
    if record is None or not record.child_birth_date_sealed:
        return None
    value = identifiers.unseal(session, subject, json.loads(record.child_birth_date_sealed), BIRTH_DATE_PURPOSE)
    return date.fromisoformat(value) if value else None


def site_today(now: datetime, subject: Subject) -> date:
    """The calendar day at the subject's site (consent, withdrawal and enrolment dates are site dates)."""
    return now.astimezone(ZoneInfo(subject.site.timezone)).date()
