"""One ledger entry: who did what to which record, when, why, and the link to the entry before it."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from .canonical import CanonicalError, canonical_bytes, parse_canonical
from .hashing import GENESIS_PREV, leaf_hash, signing_message

GENESIS_ACTION = "ledger.genesis"
KEY_ROTATED_ACTION = "ledger.key_rotated"

_TS_PATTERN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX16 = re.compile(r"[0-9a-f]{16}")

_BODY_KEYS = frozenset({"seq", "ts", "actor", "action", "record", "payload", "reason", "prev", "key_id"})
_ACTOR_KEYS = frozenset({"user_id", "name", "role"})
_RECORD_KEYS = frozenset({"site", "subject", "form", "instance", "field"})


class EntryError(ValueError):
    """An entry (or its body) does not have the required shape."""


def format_ts(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and ``Z``: ``2025-01-02T03:04:05.000006Z``.

    Fixed width, so timestamps order correctly as strings.

    :raises ValueError: for a naive datetime (its time zone would be a guess).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("ledger timestamps need a timezone-aware datetime (use datetime.now(timezone.utc))")
    utc = moment.astimezone(timezone.utc)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:"
        f"{utc.second:02d}.{utc.microsecond:06d}Z"
    )


def parse_ts(text: str) -> datetime:
    """Inverse of :func:`format_ts`; accepts only that exact form.

    :raises ValueError: naming the expected form.
    """
    if not isinstance(text, str) or not _TS_PATTERN.fullmatch(text):
        raise ValueError(f"timestamp {text!r} is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        return datetime.fromisoformat(text[:-1] + "+00:00")
    except ValueError:
        raise ValueError(f"timestamp {text!r} is not a real date and time") from None


def next_timestamp(clock_now: datetime, previous_ts: str | None) -> str:
    """The timestamp for a new entry: the clock, but never earlier than the previous entry's.

    A clock that steps back (NTP correction, another host slightly behind) must not make the
    sequence go backwards in time, so the previous timestamp is repeated instead.
    """
    now = format_ts(clock_now)
    if previous_ts is not None and now < previous_ts:
        return previous_ts
    return now


@dataclass(frozen=True)
class Actor:
    """The person (or the system, ``user_id`` None) responsible for the entry."""

    user_id: int | None
    name: str
    role: str

    def __post_init__(self) -> None:
        if self.user_id is not None and (type(self.user_id) is not int):
            raise EntryError(f"actor user_id must be an integer or None, got {self.user_id!r}")
        if not isinstance(self.name, str) or not isinstance(self.role, str):
            raise EntryError("actor name and role must be strings")

    def as_dict(self) -> dict[str, Any]:
        return {"user_id": self.user_id, "name": self.name, "role": self.role}


@dataclass(frozen=True)
class RecordRef:
    """The record an entry concerns; every part is optional (a login concerns no record)."""

    site: str | None = None
    subject: str | None = None
    form: str | None = None
    instance: str | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        for name in _RECORD_KEYS:
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise EntryError(f"record {name} must be a string or None, got {value!r}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "subject": self.subject,
            "form": self.form,
            "instance": self.instance,
            "field": self.field,
        }


@dataclass(frozen=True)
class Entry:
    """An unsigned ledger entry; ``prev`` is the hex leaf hash of the previous entry's body."""

    seq: int
    ts: str
    actor: Actor
    action: str
    record: RecordRef
    payload: dict[str, Any]
    reason: str | None
    prev: str
    key_id: str

    def __post_init__(self) -> None:
        if type(self.seq) is not int or self.seq < 1:
            raise EntryError(f"seq must be an integer >= 1, got {self.seq!r}")
        parse_ts(self.ts)
        if not isinstance(self.actor, Actor):
            raise EntryError("actor must be an Actor")
        if not isinstance(self.action, str) or not self.action:
            raise EntryError("action must be a non-empty string")
        if not isinstance(self.record, RecordRef):
            raise EntryError("record must be a RecordRef")
        if not isinstance(self.payload, dict):
            raise EntryError("payload must be an object")
        if self.reason is not None and not isinstance(self.reason, str):
            raise EntryError("reason must be a string or None")
        if not isinstance(self.prev, str) or not _HEX64.fullmatch(self.prev):
            raise EntryError("prev must be 64 lowercase hex characters")
        if self.seq == 1 and self.prev != GENESIS_PREV:
            raise EntryError("the first entry's prev must be GENESIS_PREV (64 zeros)")
        if not isinstance(self.key_id, str) or not _HEX16.fullmatch(self.key_id):
            raise EntryError("key_id must be 16 lowercase hex characters")

    def body_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "ts": self.ts,
            "actor": self.actor.as_dict(),
            "action": self.action,
            "record": self.record.as_dict(),
            "payload": self.payload,
            "reason": self.reason,
            "prev": self.prev,
            "key_id": self.key_id,
        }

    def to_bytes(self) -> bytes:
        """The canonical body (RFC 8785, NFC strings).

        :raises CanonicalError: when the payload holds a value that cannot enter the ledger unchanged.
        """
        return canonical_bytes(self.body_dict())

    @classmethod
    def from_dict(cls, body: Any) -> Entry:
        """Build an entry from a parsed body, refusing unknown or missing keys.

        :raises EntryError: naming the problem.
        """
        if not isinstance(body, dict):
            raise EntryError("body is not a JSON object")
        _exact_keys(body, _BODY_KEYS, "body")
        actor, record = body["actor"], body["record"]
        if not isinstance(actor, dict):
            raise EntryError("actor is not an object")
        _exact_keys(actor, _ACTOR_KEYS, "actor")
        if not isinstance(record, dict):
            raise EntryError("record is not an object")
        _exact_keys(record, _RECORD_KEYS, "record")
        try:
            return cls(
                seq=body["seq"],
                ts=body["ts"],
                actor=Actor(actor["user_id"], actor["name"], actor["role"]),
                action=body["action"],
                record=RecordRef(**record),
                payload=body["payload"],
                reason=body["reason"],
                prev=body["prev"],
                key_id=body["key_id"],
            )
        except EntryError:
            raise
        except ValueError as exc:
            raise EntryError(str(exc)) from None

    @classmethod
    def from_bytes(cls, data: bytes) -> Entry:
        """Parse a stored body; it must be canonical and have exactly the entry's keys.

        :raises EntryError: naming the problem.
        """
        try:
            body = parse_canonical(data)
        except CanonicalError as exc:
            raise EntryError(f"body is not canonical JSON: {exc}") from None
        return cls.from_dict(body)


def _exact_keys(obj: dict[str, Any], expected: frozenset[str], what: str) -> None:
    keys = obj.keys()
    if keys != expected:
        missing = sorted(expected - keys)
        unknown = sorted(keys - expected)
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown {', '.join(unknown)}")
        raise EntryError(f"{what}: {'; '.join(parts)}")


class Signer(Protocol):
    key_id: str

    def sign(self, message: bytes) -> bytes: ...


@dataclass(frozen=True)
class SealedEntry:
    """What the store keeps: the canonical body verbatim, its leaf hash and the signature."""

    seq: int
    body: bytes
    leaf_hash: bytes
    signature: bytes
    key_id: str
    entry: Entry | None = field(default=None, compare=False, repr=False)

    def as_record(self) -> tuple[int, bytes, bytes]:
        """The ``(seq, body, signature)`` triple the verifier reads."""
        return (self.seq, self.body, self.signature)


def seal(entry: Entry, signer: Signer) -> SealedEntry:
    """Encode ``entry`` canonically and sign it.

    :raises EntryError: when the entry names another key than the signer's.
    :raises CanonicalError: when the payload cannot be encoded unchanged.
    """
    if entry.key_id != signer.key_id:
        raise EntryError(f"entry names key {entry.key_id} but the signer holds key {signer.key_id}")
    body = entry.to_bytes()
    return SealedEntry(
        seq=entry.seq,
        body=body,
        leaf_hash=leaf_hash(body),
        signature=signer.sign(signing_message(body)),
        key_id=entry.key_id,
        entry=entry,
    )
