"""The audit history an export carries, read from the ledger (not from the tables): every field
change with who, when, where, why, old and new value, and a readable line for every other entry.

Identifier values are sealed in the ledger; they are opened with the subject's key only when the
export's policy lets them out, and pass through the same policy as the current values.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import Actor, Entry
from audit.identifiers import IdentifierError, is_sealed

from ...models import LedgerEntry, Subject
from .. import identifiers
from .dataset import IdentifierPolicy

CRF_ACTIONS = ("crf.created", "crf.updated", "crf.removed")
WITHHELD = "[identifier withheld]"
ERASED = "[identifier erased]"


@dataclass(frozen=True)
class FieldChange:
    seq: int
    ts: str
    actor: Actor
    action: str
    site: str | None
    reason: str | None
    field: str
    old: str | None
    new: str | None
    old_missing: str | None
    new_missing: str | None
    derived: bool = False


@dataclass(frozen=True)
class AuditLine:
    """One ledger entry about a subject, for the casebook's audit-trail appendix."""

    seq: int
    ts: str
    actor: Actor
    action: str
    instance: str | None
    reason: str | None
    details: list[str]


class _Opener:
    """Opens sealed identifiers and applies the policy, caching subject rows."""

    def __init__(self, session: Session, policy: IdentifierPolicy):
        self.session = session
        self.policy = policy
        self._subjects: dict[str, Subject | None] = {}

    def _subject(self, code: str) -> Subject | None:
        if code not in self._subjects:
            self._subjects[code] = self.session.execute(select(Subject).where(Subject.code == code)).scalar_one_or_none()
        return self._subjects[code]

    def value(self, subject_code: str, field: str, value: Any) -> str | None:
        if not is_sealed(value):
            return value
        if self.policy.drops:
            return None
        subject = self._subject(subject_code)
        try:
            opened = identifiers.unseal(self.session, subject, value, field) if subject else None
        except IdentifierError:
            opened = None
        if opened is None:
            return ERASED
        return self.policy.apply(subject_code, field, opened)


def _entries(session: Session, subject_codes: list[str] | None, actions: tuple[str, ...] | None = None):
    query = select(LedgerEntry.body).order_by(LedgerEntry.seq)
    if subject_codes is not None:
        query = query.where(LedgerEntry.subject.in_(subject_codes))
    if actions is not None:
        query = query.where(LedgerEntry.action.in_(actions))
    for body in session.execute(query).scalars():
        yield Entry.from_bytes(bytes(body))


def field_changes(session: Session, policy: IdentifierPolicy, subject_codes: list[str] | None = None
                  ) -> dict[tuple[str, str], dict[str, list[FieldChange]]]:
    """Per (subject code, instance ref), per field: its changes in ledger order."""
    opener = _Opener(session, policy)
    out: dict[tuple[str, str], dict[str, list[FieldChange]]] = {}
    for entry in _entries(session, subject_codes, ("crf.created", "crf.updated")):
        record = entry.record
        if not record.subject or not record.instance:
            continue
        fields = out.setdefault((record.subject, record.instance), {})
        for change in entry.payload.get("changes", []):
            name = change["field"]
            fields.setdefault(name, []).append(FieldChange(
                entry.seq, entry.ts, entry.actor, entry.action, record.site, entry.reason, name,
                opener.value(record.subject, name, change.get("old")), opener.value(record.subject, name, change.get("new")),
                change.get("old_missing"), change.get("new_missing"),
            ))
        for change in entry.payload.get("derived", []):
            name = change["field"]
            fields.setdefault(name, []).append(FieldChange(
                entry.seq, entry.ts, entry.actor, entry.action, record.site, entry.reason, name,
                change.get("old"), change.get("new"), None, None, derived=True,
            ))
    return out


def _shown(value: Any, missing: str | None) -> str:
    if value is None:
        return f"(blank, {missing})" if missing else "(blank)"
    return str(value)


def _scrub(value: Any) -> Any:
    if is_sealed(value):
        return WITHHELD
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


def describe(entry: Entry, opener: _Opener, identifier_fields: set[str]) -> list[str]:
    """Readable detail lines of one entry (field changes spelled out, sealed values never shown)."""
    payload = entry.payload
    subject = entry.record.subject or ""
    if entry.action in ("crf.created", "crf.updated"):
        lines = []
        for change in payload.get("changes", []):
            name = change["field"]
            old = opener.value(subject, name, change.get("old"))
            new = opener.value(subject, name, change.get("new"))
            if opener.policy.drops and (name in identifier_fields or is_sealed(change.get("new"))):
                lines.append(f"{name}: {WITHHELD}")
                continue
            lines.append(f"{name}: {_shown(old, change.get('old_missing'))} \u2192 {_shown(new, change.get('new_missing'))}")
        for change in payload.get("derived", []):
            lines.append(f"{change['field']} (derived): {_shown(change.get('old'), None)} \u2192 {_shown(change.get('new'), None)}")
        if payload.get("status"):
            lines.append(f"form status {payload['status']}, revision {payload.get('revision')}")
        return lines
    if entry.action.startswith("query."):
        return [f"query {payload.get('query_id')} ({payload.get('state')}): {payload.get('text')}"]
    if entry.action.startswith("signature."):
        return [f"signature {payload.get('signature_id', '')} meaning {payload.get('meaning')}"
                + (f": {payload['cause']}" if payload.get("cause") else "")]
    compact = json.dumps(_scrub(payload), ensure_ascii=False, sort_keys=True)
    return [compact] if payload else []


def subject_audit_lines(session: Session, policy: IdentifierPolicy, subject_code: str,
                        identifier_fields: set[str]) -> list[AuditLine]:
    """Every ledger entry about the subject, oldest first."""
    opener = _Opener(session, policy)
    return [
        AuditLine(entry.seq, entry.ts, entry.actor, entry.action, entry.record.instance, entry.reason,
                  describe(entry, opener, identifier_fields))
        for entry in _entries(session, [subject_code])
    ]
