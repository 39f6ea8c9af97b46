"""Consent documents, guardian permission with drawn signatures, assent, withdrawal and re-consent.

Each function is one unit of work in the caller's transaction and appends the ledger entries the
verifier's consent-precedence rule reads (:mod:`edc.services.precedence`):
``consent.document_registered`` / ``consent.document_retired`` (document_id, kind, version_label,
effective_date, retirement_date, sha256), ``consent.given`` (document_id, version_label, ...) and
``consent.withdrawn`` (scope).  Names, the child's date of birth and the drawn images are sealed with
the subject key before they reach a row or the ledger; the ledger carries only each image's SHA-256.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.canonical import canonical_bytes
from audit.entry import RecordRef, format_ts
from config.protocol import REGISTRY, Parameters

from ..models import ConsentDocument, ConsentRecord, ConsentSigner, ESignature, Subject
from ..models.consent import DOCUMENT_KINDS
from ..models.monitoring import SIGNATURE_MEANINGS
from ..permissions import role_at, user_can
from ..wiring import actor_for
from . import consent_state, identifiers, signatures
from . import ledger as ledger_service
from .errors import DomainError, NotFound, PermissionDenied
from .reauth import reauthenticate
from .signature_images import DrawnSignature, SignatureImageError
from .records import restrict_to_sites

RELATIONSHIPS = {
    "mother": "Mother",
    "father": "Father",
    "legal_guardian": "Legal guardian",
    "paternal_grandfather": "Paternal grandfather",
    "court_appointed_guardian": "Court-appointed guardian",
    "other_lar": "Other legally authorised representative",
}
ASSENT_OUTCOMES = {
    "Y": "Child assented and signed",
    "NOT_CAPABLE": "Not obtained: child not capable of assent (investigator's justification)",
    "REFUSED": "Child did not assent (dissent)",
}
OCCASIONS = {
    "INITIAL": "First consent",
    "AMENDMENT": "New consent document version (amendment)",
    "ASSENT_AGE": "Child reached the assent age",
    "MAJORITY": "Subject reached the age of majority",
    "OTHER": "Other new information",
}
WITHDRAWAL_SCOPES = {
    "ALL": "All further procedures (no further data collection)",
    "TREATMENT_ONLY": "Treatment only (follow-up continues)",
}
WITHDRAWAL_REQUESTERS = {
    "GUARDIAN": "Parent or guardian",
    "CHILD": "The child (dissent)",
    "INVESTIGATOR": "Investigator decision",
}
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_MEDIA_TYPES = ("application/pdf", "text/plain")
CLOSED_STATUSES = ("screen_failure", "completed", "died", "withdrawn")


class ConsentRefused(DomainError):
    """The consent cannot be recorded; ``reasons`` lists every problem found."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__("Consent was not recorded: " + " ".join(reasons))


# --- e-signatures of staff (21 CFR 11.50, 11.70, 11.200) -----------------------------------------------

def content_sha256(content: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_bytes(content)).hexdigest()


def sign_content(session: Session, user, key, *, meaning: str, scope: str, subject: Subject, target: str,
                 content: dict[str, Any], signed_at: datetime, instance_id: int | None = None) -> ESignature:
    """Create the ESignature row for ``content`` with the key :func:`reauthenticate` unlocked.

    The signed bytes are the study's one manifestation format (:func:`edc.services.signatures.signed_message`:
    subject, scope, target, content hash and meaning), so every e-signature verifies the same way.
    """
    digest = content_sha256(content)
    signature = ESignature(
        signer_id=user.id, printed_name=user.printed_name, meaning=meaning, scope=scope, subject_id=subject.id,
        instance_id=instance_id, target=target, content_sha256=digest, signed_at=signed_at,
        user_signature=key.sign(signatures.signed_message(subject.code, scope, target, digest, meaning)),
    )
    session.add(signature)
    session.flush()
    return signature


def signature_payload(signature: ESignature, user) -> dict[str, Any]:
    return {
        "signature_id": signature.id, "signer_id": signature.signer_id, "printed_name": signature.printed_name,
        "meaning": signature.meaning, "meaning_text": SIGNATURE_MEANINGS[signature.meaning], "scope": signature.scope,
        "target": signature.target, "content_sha256": signature.content_sha256,
        "key_fingerprint": signatures.key_fingerprint(bytes(user.signing_public_key)),
        "signed_at": format_ts(signature.signed_at),
        "user_signature": base64.b64encode(bytes(signature.user_signature)).decode(),
    }


# --- documents -------------------------------------------------------------------------------------

@dataclass
class DocumentInput:
    kind: str
    version_label: str
    language: str
    ethics_reference: str
    approval_date: date | None
    effective_date: date | None
    content: bytes
    content_type: str = "application/pdf"
    filename: str | None = None
    retirement_date: date | None = None
    ethics_expiry_date: date | None = None
    optional_items: list[str] = field(default_factory=list)


def document_warnings(ethics_reference: str, params: Parameters = REGISTRY) -> list[str]:
    """SOFT findings on a document's ethics reference (spec 6.1 validation regex)."""
    warnings = []
    if not re.fullmatch(params["ethics_reference_pattern"], ethics_reference):
        warnings.append(f"The ethics reference {ethics_reference} does not have the national format (IR.<body>.REC.<year>.<n>).")
    elif ethics_reference != params["ethics_code"]:
        warnings.append(f"The ethics reference {ethics_reference} differs from this trial's ethics code {params['ethics_code']}.")
    return warnings


def register_document(session: Session, ledger, user, document: DocumentInput,
                      params: Parameters = REGISTRY) -> tuple[ConsentDocument, list[str]]:
    """Register an approved consent or assent document version; returns it with SOFT warnings.

    :raises PermissionDenied: unless the user is a data manager.
    :raises ConsentRefused: listing every problem with the details given.
    """
    if not user_can(user, "consent.document.manage"):
        raise PermissionDenied("Only data managers register consent documents.")
    problems = []
    label, language, reference = (document.version_label or "").strip(), (document.language or "").strip(), (document.ethics_reference or "").strip()
    if document.kind not in DOCUMENT_KINDS:
        problems.append("Choose whether this is the guardian permission or the child assent document.")
    if not label or len(label) > 64:
        problems.append("Enter the version label (at most 64 characters).")
    if not language or len(language) > 32:
        problems.append("Enter the document's language.")
    if not reference or len(reference) > 64:
        problems.append("Enter the ethics committee reference.")
    if document.approval_date is None or document.effective_date is None:
        problems.append("Enter the approval date and the effective date.")
    elif document.effective_date < document.approval_date:
        problems.append("The effective date cannot be before the ethics approval date.")
    if document.retirement_date and document.effective_date and document.retirement_date <= document.effective_date:
        problems.append("The retirement date must be after the effective date.")
    if document.ethics_expiry_date and document.approval_date and document.ethics_expiry_date < document.approval_date:
        problems.append("The ethics approval cannot expire before it was given.")
    if not document.content:
        problems.append("Upload the approved document (PDF) or paste its text: its SHA-256 identifies the version.")
    elif len(document.content) > MAX_DOCUMENT_BYTES:
        problems.append(f"The document is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB.")
    elif (document.content_type or "").split(";")[0].strip() not in DOCUMENT_MEDIA_TYPES:
        problems.append("Upload the approved document as PDF, or paste its text.")
    items = [i.strip() for i in document.optional_items if i.strip()]
    if any(len(i) > 300 or "\n" in i for i in items):
        problems.append("Each optional item must be one line of at most 300 characters.")
    if label and not problems:
        duplicate = session.execute(select(ConsentDocument).where(
            ConsentDocument.kind == document.kind, ConsentDocument.version_label == label,
            ConsentDocument.language == language,
        )).scalar_one_or_none()
        if duplicate is not None:
            problems.append(f"Version {label} ({language}) of this document is already registered.")
    if problems:
        raise ConsentRefused(problems)
    sha = hashlib.sha256(document.content).hexdigest()
    row = ConsentDocument(
        kind=document.kind, version_label=label, language=language, ethics_reference=reference,
        approval_date=document.approval_date, effective_date=document.effective_date,
        retirement_date=document.retirement_date, ethics_expiry_date=document.ethics_expiry_date, sha256=sha,
        content=document.content, content_type=document.content_type, filename=(document.filename or "")[:200] or None,
        optional_items="\n".join(items), registered_by=user.id, registered_at=ledger.clock(),
    )
    session.add(row)
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user), action="consent.document_registered", record=RecordRef(),
        payload={
            "document_id": row.id, "kind": row.kind, "version_label": row.version_label, "language": row.language,
            "ethics_reference": row.ethics_reference, "approval_date": row.approval_date.isoformat(),
            "effective_date": row.effective_date.isoformat(),
            "retirement_date": row.retirement_date.isoformat() if row.retirement_date else None,
            "ethics_expiry_date": row.ethics_expiry_date.isoformat() if row.ethics_expiry_date else None,
            "sha256": sha, "optional_items": items,
        },
    )
    return row, document_warnings(reference, params)


def retire_document(session: Session, ledger, user, document: ConsentDocument, retirement_date: date, reason: str) -> ConsentDocument:
    """Set the date from which ``document`` may no longer be used.

    :raises ConsentRefused: without a reason, for a date not after the effective date, or one that
        would retroactively invalidate consent already given on the document.
    """
    if not user_can(user, "consent.document.manage"):
        raise PermissionDenied("Only data managers retire consent documents.")
    problems = []
    if not (reason or "").strip():
        problems.append("Give the reason for retiring this version.")
    if retirement_date is None or retirement_date <= document.effective_date:
        problems.append(f"The retirement date must be after the effective date {document.effective_date.isoformat()}.")
    elif document.retirement_date is not None and document.retirement_date <= retirement_date:
        problems.append(f"This version is already retired from {document.retirement_date.isoformat()}.")
    else:
        used = session.execute(select(ConsentRecord.consent_date).where(
            (ConsentRecord.document_id == document.id) | (ConsentRecord.assent_document_id == document.id),
            ConsentRecord.consent_date >= retirement_date,
        ).limit(1)).scalar_one_or_none()
        if used is not None:
            problems.append(f"Consent was given on this version on {used.isoformat()}; retire it after that date.")
    if problems:
        raise ConsentRefused(problems)
    document.retirement_date = retirement_date
    document.retirement_reason = reason.strip()
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user), action="consent.document_retired", record=RecordRef(),
        payload={"document_id": document.id, "kind": document.kind, "version_label": document.version_label,
                 "retirement_date": retirement_date.isoformat()},
        reason=reason.strip(),
    )
    return document


def list_documents(session: Session) -> list[ConsentDocument]:
    return list(session.execute(
        select(ConsentDocument).order_by(ConsentDocument.kind, ConsentDocument.effective_date.desc(), ConsentDocument.id.desc())
    ).scalars())


# --- capture -----------------------------------------------------------------------------------------

@dataclass
class SignerInput:
    """A guardian, the child or the impartial witness, with the drawn signature (PNG/SVG bytes)."""

    name: str | None
    signature: DrawnSignature | None
    signature_error: str | None = None
    relationship: str | None = None
    can_read: bool = True


@dataclass
class ConsentCapture:
    document_id: int | None
    consent_date: date | None
    consent_time: time | None
    child_birth_date: date | None
    guardians: list[SignerInput]
    witness: SignerInput | None = None
    assent_outcome: str | None = None
    child: SignerInput | None = None
    assent_reason: str | None = None
    assent_justification: str | None = None
    optional_answers: dict[str, str] = field(default_factory=dict)
    copy_given: bool = False
    occasion: str | None = None


@dataclass
class CaptureResult:
    record: ConsentRecord
    warnings: list[str]


def _in_force_message(document: ConsentDocument, kind_label: str, day: date, in_force: ConsentDocument | None) -> str:
    if document.effective_date > day:
        why = f"it becomes effective only on {document.effective_date.isoformat()}"
    elif document.retirement_date is not None and document.retirement_date <= day:
        why = f"it was retired on {document.retirement_date.isoformat()}"
    else:
        why = "a later version had replaced it"
    now = f" The version in force was {in_force.version_label}." if in_force else f" No {kind_label} version was in force that day."
    return f"{kind_label} version {document.version_label} was not in force on {day.isoformat()}: {why}.{now}"


def _signature_problem(who: str, signer: SignerInput | None) -> str | None:
    if signer is None or signer.signature is None:
        detail = signer.signature_error if signer is not None and signer.signature_error else "no signature was drawn"
        return f"{who}: {detail}."
    return None


def _check_capture(session: Session, user, subject: Subject, capture: ConsentCapture, params: Parameters,
                   now: datetime) -> tuple[list[str], dict[str, Any]]:
    """Every problem with ``capture`` (each one sentence), and the facts derived on the way."""
    problems: list[str] = []
    facts: dict[str, Any] = {}
    zone = ZoneInfo(subject.site.timezone)
    today_at_site = now.astimezone(zone).date()
    day = capture.consent_date
    if day is None or capture.consent_time is None:
        problems.append("Enter the date and time the guardian signed.")
    else:
        signed_at = datetime.combine(day, capture.consent_time, tzinfo=zone).astimezone(timezone.utc)
        if signed_at > now:
            problems.append("The consent date and time cannot be in the future.")
        facts["signed_at"] = signed_at
    document = session.get(ConsentDocument, capture.document_id) if capture.document_id else None
    if document is None or document.kind != "guardian":
        problems.append("Choose the guardian permission document version that was shown.")
    elif day is not None:
        in_force = consent_state.current_document(session, "guardian", day)
        if in_force is None or in_force.id != document.id:
            problems.append(_in_force_message(document, "Guardian permission", day, in_force))
        if document.approval_date > day:
            problems.append(f"The ethics approval of version {document.version_label} dates from {document.approval_date.isoformat()}, after the consent date.")
        if document.ethics_expiry_date is not None and day > document.ethics_expiry_date:
            problems.append(f"The ethics approval of version {document.version_label} expired on {document.ethics_expiry_date.isoformat()}.")
    facts["document"] = document

    birth = capture.child_birth_date
    if birth is None:
        problems.append("Enter the child's date of birth: it decides whether assent is needed.")
    elif day is not None and birth > day:
        problems.append("The child's date of birth is after the consent date.")
    elif day is not None and birth > today_at_site:
        problems.append("The child's date of birth is in the future.")

    required = int(params["guardians_required"])
    guardians = [g for g in capture.guardians if (g.name or "").strip() or g.signature is not None or g.signature_error]
    if len(guardians) < required:
        problems.append(
            f"{required} guardians must sign (study configuration): "
            + ("no guardian was entered." if not guardians else f"only {len(guardians)} guardian was entered.")
        )
    if len(guardians) > 2:
        problems.append("At most two guardians sign the permission form.")
    for number, guardian in enumerate(guardians, start=1):
        who = f"Guardian {number}"
        if not (guardian.name or "").strip():
            problems.append(f"{who}: enter the full name.")
        elif len(guardian.name.strip()) > 200:
            problems.append(f"{who}: the name is longer than 200 characters.")
        if guardian.relationship not in RELATIONSHIPS:
            problems.append(f"{who}: choose the relationship to the child.")
        problem = _signature_problem(f"{who} signature", guardian)
        if problem:
            problems.append(problem)
    facts["guardians"] = guardians

    witness_required = any(not g.can_read for g in guardians)
    witness = capture.witness if capture.witness and ((capture.witness.name or "").strip() or capture.witness.signature) else None
    if witness_required and witness is None:
        problems.append("A guardian cannot read: an impartial witness must attend, print their name and sign.")
    if witness is not None:
        if not (witness.name or "").strip():
            problems.append("Impartial witness: enter the full name.")
        problem = _signature_problem("Impartial witness signature", witness)
        if problem:
            problems.append(problem)
    facts["witness"], facts["witness_required"] = witness, witness_required

    assent_required = birth is not None and day is not None and birth <= day and consent_state.assent_due(
        birth, day, int(params["assent_min_age_years"]))
    facts["assent_required"] = assent_required
    facts["age"] = consent_state.age_on(birth, day) if birth is not None and day is not None and birth <= day else None
    facts["assent_document"] = None
    if assent_required:
        assent_document = consent_state.current_document(session, "assent", day)
        if assent_document is None:
            problems.append(f"The child is {facts['age']} years old and must be asked to assent, but no child assent document is in force on {day.isoformat()}.")
        facts["assent_document"] = assent_document
        outcome = capture.assent_outcome
        if outcome not in ASSENT_OUTCOMES:
            problems.append(f"The child is {facts['age']} years old (assent from {params['assent_min_age_years']}): record whether the child assented.")
        elif outcome == "Y":
            problem = _signature_problem("Child's assent signature", capture.child)
            if problem:
                problems.append(problem)
        elif outcome == "NOT_CAPABLE":
            if not (capture.assent_reason or "").strip() or not (capture.assent_justification or "").strip():
                problems.append("Assent not obtained: document the reason and the investigator's justification.")
            if role_at(user, subject.site_id) != "investigator":
                problems.append("Assent not obtained: only an investigator may justify this; an investigator must capture and sign this consent.")

    items = [i for i in (document.optional_items.splitlines() if document else []) if i.strip()]
    answers = {}
    for item in items:
        answer = capture.optional_answers.get(item)
        if answer not in ("Y", "N"):
            problems.append(f"Answer the optional item '{item}' with yes or no.")
        answers[item] = answer
    facts["optional_answers"] = answers

    previous = consent_state.latest_record(session, subject)
    occasion = capture.occasion or ("INITIAL" if previous is None else None)
    if previous is not None and occasion in (None, "INITIAL"):
        problems.append("Consent was given before: choose why it is taken again (new version, assent age, majority, other).")
    elif occasion not in OCCASIONS:
        problems.append("Choose the occasion of this consent.")
    facts["occasion"] = occasion
    return problems, facts


def capture_consent(session: Session, ledger, user, subject: Subject, capture: ConsentCapture, *, password: str,
                    totp_code: str, lockout_threshold: int, client_address: str | None = None,
                    params: Parameters = REGISTRY) -> CaptureResult:
    """Record guardian permission (and assent, witness) signed on a tablet, with the obtainer's e-signature.

    Everything is checked first and every problem reported together; only then is the obtainer
    re-authenticated (password and a fresh TOTP code).  A failed re-authentication raises
    :class:`~edc.services.reauth.ReauthenticationFailed` after its own ledger entry: the caller catches
    it inside the transaction and commits, so the failure counts.

    :raises PermissionDenied: unless site staff of the subject's site.
    :raises ConsentRefused: listing every problem.
    """
    if not user_can(user, "consent.capture", subject.site_id):
        raise PermissionDenied("Only the investigator or coordinator of this site captures consent.")
    state = consent_state.state_of(session, subject, consent_state.site_today(ledger.clock(), subject))
    if state.withdrawn_scope is not None:
        raise ConsentRefused([f"Consent for {subject.code} was withdrawn ({WITHDRAWAL_SCOPES[state.withdrawn_scope].lower()}); "
                              "no new consent can be recorded."])
    if subject.status in CLOSED_STATUSES:
        raise ConsentRefused([f"{subject.code} has left the study ({subject.status.replace('_', ' ')})."])
    now = ledger.clock()
    problems, facts = _check_capture(session, user, subject, capture, params, now)
    if problems:
        raise ConsentRefused(problems)
    key = reauthenticate(session, ledger, user, password, totp_code, lockout_threshold=lockout_threshold,
                         client_address=client_address, now=now)

    document: ConsentDocument = facts["document"]
    assent_document: ConsentDocument | None = facts["assent_document"]
    assent_outcome = capture.assent_outcome if facts["assent_required"] else "NA"
    record = ConsentRecord(
        subject_id=subject.id, document_id=document.id,
        assent_document_id=assent_document.id if assent_document else None,
        consent_date=capture.consent_date, signed_at=facts["signed_at"], occasion=facts["occasion"],
        child_birth_date_sealed=consent_state.seal_birth_date(session, subject, capture.child_birth_date),
        guardian_count=int(params["guardians_required"]),
        optional_answers=json.dumps(facts["optional_answers"], sort_keys=True),
        assent_required=facts["assent_required"], assent_obtained=assent_outcome,
        assent_not_obtained_reason=(capture.assent_reason or "").strip() or None if assent_outcome == "NOT_CAPABLE" else None,
        assent_justification=(capture.assent_justification or "").strip() or None if assent_outcome == "NOT_CAPABLE" else None,
        witness_required=facts["witness_required"], copy_given=bool(capture.copy_given), obtained_by=user.id,
        created_at=now,
    )
    session.add(record)
    session.flush()
    people = [("guardian", g) for g in facts["guardians"]]
    if facts["witness"] is not None:
        people.append(("witness", facts["witness"]))
    if assent_outcome == "Y":
        people.append(("child", capture.child))
    signer_payloads = []
    for capacity, person in people:
        signer_payloads.append(_store_signer(session, subject, record, capacity, person, facts["signed_at"]))

    content = {
        "subject": subject.code, "record_id": record.id, "document_id": document.id,
        "version_label": document.version_label, "document_sha256": document.sha256,
        "consent_date": record.consent_date.isoformat(), "signed_at": format_ts(record.signed_at),
        "signers": [{k: v for k, v in p.items() if k != "name"} | {"name_h": p["name"]["h"] if p["name"] else None}
                    for p in signer_payloads],
        "assent": assent_outcome, "optional_answers": facts["optional_answers"], "copy_given": record.copy_given,
    }
    signature = sign_content(session, user, key, meaning="consent_obtained", scope="consent", subject=subject,
                             target=f"consent/{record.id}", content=content, signed_at=now)
    record.obtainer_signature_id = signature.id
    session.flush()
    entry = ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="consent.given",
        record=RecordRef(site=subject.site.code, subject=subject.code),
        payload={
            "document_id": document.id, "version_label": document.version_label, "document_sha256": document.sha256,
            "record_id": record.id, "occasion": record.occasion, "consent_date": record.consent_date.isoformat(),
            "signed_at": format_ts(record.signed_at),
            "child_birth_date": json.loads(record.child_birth_date_sealed), "age_years": facts["age"],
            "guardians_required": record.guardian_count, "signers": signer_payloads,
            "witness_required": record.witness_required,
            "assent_required": record.assent_required, "assent": assent_outcome,
            "assent_document_id": assent_document.id if assent_document else None,
            "assent_version_label": assent_document.version_label if assent_document else None,
            "assent_not_obtained_reason": record.assent_not_obtained_reason,
            "assent_justification": record.assent_justification,
            "optional_answers": facts["optional_answers"], "copy_given": record.copy_given,
            "obtainer_signature": signature_payload(signature, user),
        },
    )
    signature.ledger_seq = entry.seq
    warnings = [] if record.copy_given else ["A copy of the signed form should be given to the guardian (spec 6.2 COPY_GIVEN)."]
    return CaptureResult(record, warnings)


def _store_signer(session: Session, subject: Subject, record: ConsentRecord, capacity: str, person: SignerInput,
                  signed_at: datetime) -> dict[str, Any]:
    drawn = person.signature
    signer = ConsentSigner(
        record_id=record.id, capacity=capacity, relationship_to_child=person.relationship if capacity == "guardian" else None,
        can_read=person.can_read if capacity == "guardian" else None, signed_at=signed_at,
        image_media_type=drawn.media_type, image_sealed=b"", image_sha256=drawn.sha256,
    )
    session.add(signer)
    session.flush()
    name = (person.name or "").strip() or None
    sealed_name = identifiers.seal(session, subject, name, f"consent_signer/{signer.id}/name")
    signer.name_sealed = json.dumps(sealed_name, sort_keys=True) if sealed_name else None
    sealed_image = identifiers.seal(session, subject, base64.b64encode(drawn.data).decode(), f"consent_signer/{signer.id}/image")
    signer.image_sealed = json.dumps(sealed_image, sort_keys=True).encode()
    record.signers.append(signer)
    return {
        "signer_id": signer.id, "capacity": capacity, "relationship": signer.relationship_to_child,
        "can_read": signer.can_read, "name": sealed_name, "image_media_type": drawn.media_type,
        "image_sha256": drawn.sha256,
    }


def signer_name(session: Session, subject: Subject, signer: ConsentSigner) -> str | None:
    """The signer's name in clear for authorised staff; ``None`` when absent or erased."""
    if not signer.name_sealed:
        return None
    return identifiers.unseal(session, subject, json.loads(signer.name_sealed), f"consent_signer/{signer.id}/name")


def signer_image(session: Session, subject: Subject, signer: ConsentSigner) -> bytes | None:
    """The drawn image, checked against the SHA-256 bound in the ledger; ``None`` when erased.

    :raises SignatureImageError: when the opened image no longer matches its recorded hash.
    """
    opened = identifiers.unseal(session, subject, json.loads(bytes(signer.image_sealed)), f"consent_signer/{signer.id}/image")
    if opened is None:
        return None
    data = base64.b64decode(opened)
    if hashlib.sha256(data).hexdigest() != signer.image_sha256:
        raise SignatureImageError("the stored signature image does not match its recorded SHA-256")
    return data


def records_of(session: Session, subject: Subject) -> list[ConsentRecord]:
    return list(session.execute(
        select(ConsentRecord).where(ConsentRecord.subject_id == subject.id).order_by(ConsentRecord.id)
    ).scalars())


# --- withdrawal ------------------------------------------------------------------------------------

def withdraw_consent(session: Session, ledger, user, subject: Subject, *, withdrawn_on: date | None, scope: str,
                     requested_by: str | None, reason: str | None = None) -> ConsentRecord:
    """Record withdrawal of consent; the entry gates then refuse what ``scope`` excludes.

    ``ALL``: no further procedures or data (status ``withdrawn``).  ``TREATMENT_ONLY``: no more study
    treatment, follow-up continues (an enrolled subject moves to ``follow_up``).

    :raises ConsentRefused: listing every problem.
    """
    if not user_can(user, "consent.capture", subject.site_id):
        raise PermissionDenied("Only the investigator or coordinator of this site records a withdrawal.")
    record = consent_state.latest_record(session, subject)
    problems = []
    if record is None:
        raise ConsentRefused([f"{subject.code} has no consent to withdraw."])
    if scope not in WITHDRAWAL_SCOPES:
        problems.append("Choose what the withdrawal covers: all further procedures, or treatment only.")
    if requested_by not in WITHDRAWAL_REQUESTERS:
        problems.append("Choose who withdrew consent.")
    if withdrawn_on is None:
        problems.append("Enter the date of withdrawal.")
    elif withdrawn_on > consent_state.site_today(ledger.clock(), subject):
        problems.append("The date of withdrawal cannot be in the future.")
    elif withdrawn_on < record.consent_date:
        problems.append(f"The date of withdrawal is before the consent date {record.consent_date.isoformat()}.")
    if record.withdrawal_scope == "ALL" or (record.withdrawal_scope == scope):
        problems.append("This withdrawal is already recorded.")
    if problems:
        raise ConsentRefused(problems)
    previous_status = subject.status
    record.withdrawn_on = withdrawn_on
    record.withdrawal_scope = scope
    record.withdrawal_recorded_by = user.id
    record.withdrawal_requested_by = requested_by
    record.withdrawal_reason = (reason or "").strip() or None
    subject.withdrawal_scope = scope
    if scope == "ALL":
        subject.status = "withdrawn"
    elif subject.status in ("enrolled", "on_treatment"):
        subject.status = "follow_up"
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="consent.withdrawn",
        record=RecordRef(site=subject.site.code, subject=subject.code),
        payload={"scope": scope, "record_id": record.id, "withdrawn_on": withdrawn_on.isoformat(),
                 "requested_by": requested_by, "status_before": previous_status, "status": subject.status},
        reason=record.withdrawal_reason,
    )
    return record


# --- re-consent ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReconsentDue:
    subject: Subject
    record: ConsentRecord
    reasons: tuple[str, ...]


def reconsent_due(session: Session, today: date, site_ids: set[int] | None = None,
                  params: Parameters = REGISTRY) -> list[ReconsentDue]:
    """Subjects still in the study whose consent must be taken again: consented on a version that is no
    longer the one in force, reached the assent age since consent without having assented, or reached
    the age of majority (spec 6.1).  ``today`` is the site's calendar day; ``site_ids`` None means every site."""
    current = consent_state.current_document(session, "guardian", today)
    query = select(Subject).where(Subject.status.not_in(CLOSED_STATUSES)).order_by(Subject.code)
    query = restrict_to_sites(query, Subject.site_id, site_ids)
    due = []
    for subject in session.execute(query).scalars():
        record = consent_state.latest_record(session, subject)
        if record is None or record.withdrawal_scope == "ALL":
            continue
        reasons = []
        if current is not None and record.document_id != current.id:
            reasons.append(f"consented on version {record.document.version_label}; version {current.version_label} is in force since {current.effective_date.isoformat()}")
        birth = consent_state.birth_date(session, subject)
        if birth is not None:
            age = consent_state.age_on(birth, today)
            if not record.assent_required and consent_state.assent_due(birth, today, int(params["assent_min_age_years"])):
                reasons.append(f"now {age} years old: assent is due")
            if age >= int(params["majority_age_years"]) and consent_state.age_on(birth, record.consent_date) < int(params["majority_age_years"]):
                reasons.append(f"now {age} years old: adult consent is due")
        if reasons:
            due.append(ReconsentDue(subject, record, tuple(reasons)))
    return due


def find_document(session: Session, document_id: int) -> ConsentDocument:
    document = session.get(ConsentDocument, document_id)
    if document is None:
        raise NotFound("There is no such consent document.")
    return document
