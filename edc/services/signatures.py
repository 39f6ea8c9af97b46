"""Part 11 e-signatures (21 CFR 11.50, 11.70, 11.100, 11.200): signing, invalidation, binding proof.

What is signed is a *content hash*: the SHA-256 of the canonical JSON of exactly the signed record -
a form (subject, instance, form key, version, revision, entered and derived values), or an event or a
whole casebook (the list of its member forms' content hashes).  The signer's own Ed25519 key, unlocked
only by the password given at re-authentication, signs the canonical JSON of that hash together with
the meaning and the target, and the ledger entry ``signature.signed`` binds the same facts with the
signer's printed name and key fingerprint.  Moving a signature to another record or another version
of the same record therefore breaks either the recomputed hash or the signer's signature
(:func:`verify_signature_binding`).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from audit.canonical import canonical_bytes
from audit.entry import Entry, RecordRef

from ..models import ESignature, FormInstance, LedgerEntry, Subject, User
from ..models.monitoring import SIGNATURE_MEANINGS
from ..permissions import user_can
from ..wiring import actor_for
from . import ledger as ledger_service
from .errors import DomainError, PermissionDenied
from .user_keys import verify_user_signature

RECORD_MEANINGS = ("authorship", "review", "approval", "responsibility")
"""The meanings an investigator chooses from when signing records (11.50(a)(3))."""
SCOPES = ("form", "event", "casebook")


class ContentChanged(DomainError):
    """The record changed after the signer reviewed it: nothing was signed."""


@dataclass(frozen=True)
class Target:
    """What one signature covers: a form instance, an event (``event_key.repeat``) or the casebook."""

    scope: str
    subject: Subject
    instance: FormInstance | None = None
    event_key: str | None = None
    event_repeat: int | None = None

    @property
    def name(self) -> str:
        if self.scope == "form":
            return self.instance.ref
        if self.scope == "event":
            return f"{self.event_key}.{self.event_repeat}"
        return "casebook"


@dataclass(frozen=True)
class Content:
    """The canonical document a signature covers and its SHA-256."""

    document: dict
    sha256: str
    members: tuple[tuple[str, str], ...] = ()
    """(instance ref, content hash) of each member form, for event and casebook signatures."""


@dataclass
class BindingReport:
    ok: bool
    problems: list[str] = field(default_factory=list)


def key_fingerprint(public_bytes: bytes) -> str:
    """Same fingerprint as the ledger's ``account.signing_key_issued`` entries."""
    return hashlib.sha256(bytes(public_bytes)).hexdigest()[:16]


def _sha256(document: dict) -> str:
    return hashlib.sha256(canonical_bytes(document)).hexdigest()


def form_content(subject: Subject, instance: FormInstance) -> Content:
    entered = {v.field: {"value": v.value, "missing": v.missing_reason} for v in instance.values if not v.derived}
    derived = {v.field: v.value for v in instance.values if v.derived}
    document = {
        "subject": subject.code, "instance": instance.ref, "form": instance.form_key,
        "version": instance.form_version, "revision": instance.revision,
        "values": dict(sorted(entered.items())), "derived": dict(sorted(derived.items())),
    }
    return Content(document, _sha256(document))


def _members(session: Session, subject: Subject, event_key: str | None = None, event_repeat: int | None = None) -> list[FormInstance]:
    query = select(FormInstance).where(FormInstance.subject_id == subject.id, FormInstance.removed.is_(False))
    if event_key is not None:
        query = query.where(FormInstance.event_key == event_key, FormInstance.event_repeat == event_repeat)
    rows = session.execute(query).scalars().all()
    return sorted(rows, key=lambda i: (i.event_key, i.event_repeat, i.form_key, i.repeat_no))


def content_of(session: Session, target: Target) -> Content:
    """The content hash of ``target`` as the record stands now."""
    if target.scope == "form":
        return form_content(target.subject, target.instance)
    members = tuple((i.ref, form_content(target.subject, i).sha256)
                    for i in _members(session, target.subject, target.event_key, target.event_repeat))
    document = {"subject": target.subject.code, "scope": target.scope, "target": target.name,
                "forms": [{"instance": ref, "sha256": sha} for ref, sha in members]}
    return Content(document, _sha256(document), members)


def signed_message(subject_code: str, scope: str, target: str, content_sha256: str, meaning: str) -> bytes:
    """The bytes the signer's key signs: content hash, meaning and target together."""
    return canonical_bytes({"format": "nk-edc-e-signature/1", "subject": subject_code, "scope": scope, "target": target,
                            "content_sha256": content_sha256, "meaning": meaning})


def covering(session: Session, subject: Subject, instance: FormInstance) -> list[ESignature]:
    """Valid signatures whose content includes ``instance``: on the form, its event, or the casebook."""
    event_target = f"{instance.event_key}.{instance.event_repeat}"
    return list(
        session.execute(
            select(ESignature).where(
                ESignature.valid.is_(True),
                or_(
                    ESignature.instance_id == instance.id,
                    (ESignature.scope == "event") & (ESignature.subject_id == subject.id) & (ESignature.target == event_target),
                    (ESignature.scope == "casebook") & (ESignature.subject_id == subject.id),
                ),
            )
        ).scalars()
    )


def _check_may_sign(session: Session, user, target: Target) -> None:
    subject = target.subject
    if not user_can(user, "record.sign", subject.site_id):
        raise PermissionDenied("Only an investigator of this site signs records; coordinators and monitors cannot.")
    if target.scope not in SCOPES:
        raise DomainError(f"Unknown signature scope {target.scope}.")
    if target.scope == "form":
        if target.instance is None or target.instance.subject_id != subject.id:
            raise DomainError("This form does not belong to the subject.")
        if target.instance.removed:
            raise DomainError("A removed form cannot be signed.")
    elif not _members(session, subject, target.event_key, target.event_repeat):
        raise DomainError("There is no form to sign here yet.")


def sign_records(session: Session, ledger, user: User, signing_key: Ed25519PrivateKey, targets: list[Target],
                 meaning: str, expected: dict[str, str] | None = None) -> list[ESignature]:
    """Sign each of ``targets`` with ``meaning`` using the key :func:`reauth.reauthenticate` unlocked.

    ``expected`` maps a target name to the content hash the signer was shown; a record that changed
    since is refused so nobody signs what they did not see.

    :raises PermissionDenied: for anyone but an investigator at the subject's site.
    :raises ContentChanged: when a record differs from what was shown.
    :raises DomainError: for an unknown meaning, an empty target or a key that is not the user's.
    """
    if meaning not in RECORD_MEANINGS:
        raise DomainError("Choose the meaning of your signature: authorship, review, approval or responsibility.")
    if not targets:
        raise DomainError("Choose at least one record to sign.")
    public = user.signing_public_key
    if not public or key_fingerprint(_public_bytes(signing_key)) != key_fingerprint(public):
        raise DomainError("The signing key does not belong to this account.")
    fingerprint = key_fingerprint(public)
    signed: list[ESignature] = []
    for target in targets:
        _check_may_sign(session, user, target)
    _check_expected(session, targets, expected)
    for target in targets:
        subject = target.subject
        content = content_of(session, target)
        message = signed_message(subject.code, target.scope, target.name, content.sha256, meaning)
        now = ledger.clock()
        signature = ESignature(
            signer_id=user.id, printed_name=user.printed_name, meaning=meaning, scope=target.scope,
            subject_id=subject.id, instance_id=target.instance.id if target.instance else None, target=target.name,
            content_sha256=content.sha256, user_signature=signing_key.sign(message), signed_at=now, valid=True,
        )
        session.add(signature)
        session.flush()
        entry = ledger_service.append(
            session, ledger,
            actor=actor_for(user, subject.site_id),
            action="signature.signed",
            record=RecordRef(site=subject.site.code, subject=subject.code,
                             form=target.instance.form_key if target.instance else None,
                             instance=target.instance.ref if target.instance else None),
            payload={
                "signature_id": signature.id, "scope": target.scope, "target": target.name,
                "content_sha256": content.sha256, "meaning": meaning, "meaning_text": SIGNATURE_MEANINGS[meaning],
                "printed_name": user.printed_name, "key_fingerprint": fingerprint,
                "user_signature": base64.b64encode(signature.user_signature).decode(),
                "members": [{"instance": ref, "sha256": sha} for ref, sha in content.members],
            },
        )
        signature.ledger_seq = entry.seq
        signed.append(signature)
    session.flush()
    return signed


def expected_key(target: Target) -> str:
    """How a page names a target when it posts back the content hash it showed."""
    return f"{target.subject.code}/{target.name}"


def _check_expected(session: Session, targets: list[Target], expected: dict[str, str] | None) -> None:
    if expected is None:
        return
    for target in targets:
        shown = expected.get(expected_key(target))
        if shown is not None and shown != content_of(session, target).sha256:
            raise ContentChanged(f"{target.subject.code} {target.name} changed after you reviewed it. "
                                 "Nothing was signed: review it again.")


def _public_bytes(key: Ed25519PrivateKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def target_of(session: Session, signature: ESignature) -> Target:
    subject = session.get(Subject, signature.subject_id)
    if signature.scope == "form":
        return Target("form", subject, instance=session.get(FormInstance, signature.instance_id))
    if signature.scope == "event":
        key, _, repeat = signature.target.rpartition(".")
        return Target("event", subject, event_key=key, event_repeat=int(repeat))
    return Target("casebook", subject)


def _public_key_for(session: Session, signer: User, fingerprint: str) -> bytes | None:
    """The signer's public key with ``fingerprint``: the current one, or one the ledger issued before."""
    if signer.signing_public_key and key_fingerprint(signer.signing_public_key) == fingerprint:
        return bytes(signer.signing_public_key)
    bodies = session.execute(select(LedgerEntry.body).where(LedgerEntry.action == "account.signing_key_issued")).scalars()
    for body in bodies:
        payload = Entry.from_bytes(bytes(body)).payload
        if payload.get("key_fingerprint") == fingerprint and payload.get("target_user_id") == signer.id:
            return base64.b64decode(payload["public_key"])
    return None


def verify_signature_binding(session: Session, signature: ESignature) -> BindingReport:
    """Prove ``signature`` belongs to the record and version it names.

    Recomputes the content hash of the target as stored now, checks the signer's Ed25519 signature
    over (content hash, meaning, target) with the signer's public key, and checks the ledger entry
    that recorded the signing names the same target, hash, meaning and signer.
    """
    problems: list[str] = []
    subject = session.get(Subject, signature.subject_id) if signature.subject_id else None
    if subject is None:
        return BindingReport(False, ["the signature names no subject"])
    try:
        target = target_of(session, signature)
        if target.scope == "form" and (target.instance is None or target.instance.ref != signature.target
                                       or target.instance.subject_id != subject.id):
            problems.append("the signature's form is not the record it names")
        else:
            current = content_of(session, target).sha256
            if current != signature.content_sha256:
                problems.append("the record's content hash differs from the signed hash (another record or another version)")
    except (ValueError, LookupError, AttributeError):
        problems.append("the signature's target cannot be resolved")
    entry = None
    if signature.ledger_seq is not None:
        row = session.get(LedgerEntry, signature.ledger_seq)
        entry = Entry.from_bytes(bytes(row.body)) if row is not None else None
    if entry is None or entry.action != "signature.signed":
        problems.append("no signature.signed ledger entry records this signature")
        fingerprint = None
    else:
        payload = entry.payload
        expected = {"signature_id": signature.id, "scope": signature.scope, "target": signature.target,
                    "content_sha256": signature.content_sha256, "meaning": signature.meaning,
                    "printed_name": signature.printed_name}
        for key, value in expected.items():
            if payload.get(key) != value:
                problems.append(f"the ledger entry's {key} differs from the signature's")
        if entry.record.subject != subject.code or entry.actor.user_id != signature.signer_id:
            problems.append("the ledger entry names another subject or signer")
        fingerprint = payload.get("key_fingerprint")
    signer = session.get(User, signature.signer_id)
    public = _public_key_for(session, signer, fingerprint) if signer is not None and fingerprint else None
    message = signed_message(subject.code, signature.scope, signature.target, signature.content_sha256, signature.meaning)
    if public is None or not verify_user_signature(public, bytes(signature.user_signature), message):
        problems.append("the signer's Ed25519 signature does not verify over this content hash, meaning and target")
    return BindingReport(not problems, problems)


def invalidate_for_change(session: Session, ledger, user, subject: Subject, instance: FormInstance, when: str) -> None:
    for signature in covering(session, subject, instance):
        signature.valid = False
        signature.invalidated_at = ledger.clock()
        signature.invalidated_reason = f"signature invalidated by change on {when}"
        session.flush()
        ledger_service.append(
            session, ledger,
            actor=actor_for(user, subject.site_id),
            action="signature.invalidated",
            record=RecordRef(site=subject.site.code, subject=subject.code, form=instance.form_key, instance=instance.ref),
            payload={"signature_id": signature.id, "meaning": signature.meaning, "scope": signature.scope,
                     "content_sha256": signature.content_sha256, "cause": signature.invalidated_reason},
        )


def for_subject(session: Session, subject: Subject) -> list[ESignature]:
    """Every record signature of ``subject`` (valid and invalidated), newest first, for manifestations."""
    return list(session.execute(
        select(ESignature).where(ESignature.subject_id == subject.id, ESignature.scope.in_(SCOPES))
        .order_by(ESignature.signed_at.desc(), ESignature.id.desc())
    ).scalars())


def awaiting_signature(session: Session, subject: Subject) -> list[FormInstance]:
    """Forms of ``subject`` no valid signature covers."""
    return [i for i in _members(session, subject) if not covering(session, subject, i)]


def refusals_for_lock(session: Session, subject: Subject, instance: FormInstance) -> list[str]:
    return [] if covering(session, subject, instance) else [f"{subject.code} {instance.ref}: not signed by the investigator"]


def sign_with_reauthentication(session: Session, ledger, user: User, password: str, totp_code: str,
                               targets: list[Target], meaning: str, expected: dict[str, str] | None = None, *,
                               lockout_threshold: int, client_address: str | None = None,
                               now: datetime | None = None) -> list[ESignature]:
    """Check who may sign what, re-authenticate (password + a fresh TOTP code), then sign.

    Permission and targets are checked before the factors, so a refused request never spends a code.
    A failed re-authentication is written to ``session`` before the exception: the caller catches
    :class:`~edc.services.reauth.ReauthenticationFailed` inside its unit of work and commits.

    :raises PermissionDenied: for anyone but an investigator of the subject's site.
    :raises ReauthenticationFailed: for a wrong password, a wrong or replayed code, a locked account.
    :raises ContentChanged: when a record changed after the signer reviewed it.
    """
    from .reauth import reauthenticate

    if meaning not in RECORD_MEANINGS:
        raise DomainError("Choose the meaning of your signature: authorship, review, approval or responsibility.")
    if not targets:
        raise DomainError("Choose at least one record to sign.")
    for target in targets:
        _check_may_sign(session, user, target)
    _check_expected(session, targets, expected)
    key = reauthenticate(session, ledger, user, password, totp_code, lockout_threshold=lockout_threshold,
                         client_address=client_address, now=now)
    return sign_records(session, ledger, user, key, targets, meaning, expected)
