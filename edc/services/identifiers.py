"""Per-subject keys that seal direct identifiers before they reach the ledger."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.identifiers import IdentifierError, new_subject_key, open_identifier, seal_identifier

from ..models import Subject, SubjectKey


def key_for(session: Session, subject: Subject) -> SubjectKey:
    row = session.execute(select(SubjectKey).where(SubjectKey.subject_id == subject.id)).scalar_one_or_none()
    if row is None:
        row = SubjectKey(subject_id=subject.id, key_ref=uuid.uuid4().hex, key=new_subject_key())
        session.add(row)
        session.flush()
    return row


def seal(session: Session, subject: Subject, value: str | None, purpose: str) -> dict | None:
    """Seal ``value`` under the subject's key; ``purpose`` (e.g. the field name) is bound as AAD."""
    if value is None:
        return None
    key = key_for(session, subject)
    if key.key is None:
        raise IdentifierError(f"the identifier key of subject {subject.code} was destroyed")
    return seal_identifier(value, key.key, key.key_ref, aad=f"{subject.code}/{purpose}")


def unseal(session: Session, subject: Subject, sealed: dict | None, purpose: str) -> str | None:
    """Open a sealed identifier; ``None`` when the key was destroyed (erasure)."""
    if sealed is None:
        return None
    key = key_for(session, subject)
    if key.key is None:
        return None
    return open_identifier(sealed, key.key, aad=f"{subject.code}/{purpose}")


def destroy_key(session: Session, subject: Subject) -> None:
    key = key_for(session, subject)
    key.key = None
    key.destroyed_at = datetime.now(timezone.utc)
