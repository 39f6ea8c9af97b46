"""Building the next entry from the head of the chain: genesis, ordinary appends and key rotation.

Storage adapters read the head (last seq, leaf hash, timestamp) under their own lock, call
:func:`append_entry` and store the :class:`SealedEntry`; :class:`InMemoryLedger` does the same in
memory for tests, benchmarks and tools.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from .checkpoint import Checkpoint
from .entry import (
    GENESIS_ACTION,
    KEY_ROTATED_ACTION,
    Actor,
    Entry,
    RecordRef,
    SealedEntry,
    next_timestamp,
    format_ts,
    seal,
)
from .hashing import GENESIS_PREV
from .keys import LedgerSigner, b64
from .merkle import MerkleTree

SYSTEM_ACTOR = Actor(user_id=None, name="system", role="system")


@dataclass(frozen=True)
class ChainHead:
    """The last entry's sequence number, leaf hash and timestamp (``seq`` 0: empty ledger)."""

    seq: int = 0
    leaf_hash: bytes = b""
    ts: str | None = None

    @property
    def prev(self) -> str:
        return self.leaf_hash.hex() if self.seq else GENESIS_PREV

    def advance(self, sealed: SealedEntry) -> ChainHead:
        entry = sealed.entry if sealed.entry is not None else Entry.from_bytes(sealed.body)
        return ChainHead(seq=sealed.seq, leaf_hash=sealed.leaf_hash, ts=entry.ts)


def genesis_payload(public_bytes: bytes, key_id: str) -> dict[str, Any]:
    return {"public_key": b64(public_bytes), "key_id": key_id}


def rotation_payload(new_public_bytes: bytes, new_key_id: str) -> dict[str, Any]:
    return {"new_key_id": new_key_id, "new_public_key": b64(new_public_bytes)}


def append_entry(
    head: ChainHead,
    signer: LedgerSigner,
    clock_now: datetime,
    actor: Actor,
    action: str,
    record: RecordRef | None = None,
    payload: dict[str, Any] | None = None,
    reason: str | None = None,
) -> SealedEntry:
    """Seal the entry that follows ``head``.

    :raises EntryError: on a malformed entry; :raises CanonicalError: on a payload value that
        cannot enter the ledger unchanged.
    """
    entry = Entry(
        seq=head.seq + 1,
        ts=next_timestamp(clock_now, head.ts),
        actor=actor,
        action=action,
        record=record or RecordRef(),
        payload=payload if payload is not None else {},
        reason=reason,
        prev=head.prev,
        key_id=signer.key_id,
    )
    return seal(entry, signer)


def genesis_entry(signer: LedgerSigner, clock_now: datetime, actor: Actor = SYSTEM_ACTOR) -> SealedEntry:
    """Entry 1: introduces the first ledger key, signed by it."""
    return append_entry(
        ChainHead(), signer, clock_now, actor, GENESIS_ACTION,
        payload=genesis_payload(signer.public_bytes, signer.key_id),
    )


def rotation_entry(
    head: ChainHead,
    old_signer: LedgerSigner,
    new_signer: LedgerSigner,
    clock_now: datetime,
    actor: Actor,
    reason: str | None = None,
) -> SealedEntry:
    """Introduce ``new_signer``'s key, signed by the key in force; later entries use the new key."""
    return append_entry(
        head, old_signer, clock_now, actor, KEY_ROTATED_ACTION,
        payload=rotation_payload(new_signer.public_bytes, new_signer.key_id),
        reason=reason,
    )


class InMemoryLedger:
    """A complete ledger held in memory: entries, Merkle tree and the signing key in force."""

    def __init__(self, signer: LedgerSigner, clock: Callable[[], datetime], actor: Actor = SYSTEM_ACTOR):
        self.signer = signer
        self.clock = clock
        self.entries: list[SealedEntry] = []
        self.tree = MerkleTree()
        self.head = ChainHead()
        self.public_keys: dict[str, bytes] = {signer.key_id: signer.public_bytes}
        self._add(genesis_entry(signer, clock(), actor))

    def _add(self, sealed: SealedEntry) -> SealedEntry:
        self.entries.append(sealed)
        self.tree.append(sealed.leaf_hash)
        self.head = self.head.advance(sealed)
        return sealed

    def append(
        self,
        actor: Actor,
        action: str,
        record: RecordRef | None = None,
        payload: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> SealedEntry:
        return self._add(append_entry(self.head, self.signer, self.clock(), actor, action, record, payload, reason))

    def rotate(self, new_signer: LedgerSigner, actor: Actor = SYSTEM_ACTOR, reason: str | None = None) -> SealedEntry:
        sealed = self._add(rotation_entry(self.head, self.signer, new_signer, self.clock(), actor, reason))
        self.signer = new_signer
        self.public_keys[new_signer.key_id] = new_signer.public_bytes
        return sealed

    def records(self) -> list[tuple[int, bytes, bytes]]:
        return [sealed.as_record() for sealed in self.entries]

    def checkpoint_note(self, origin: str, time: str | None = None, size: int | None = None) -> str:
        """A signed checkpoint of the first ``size`` entries (default all), dated ``time`` or the clock."""
        size = len(self.entries) if size is None else size
        stamp = time if time is not None else format_ts(self.clock())
        return Checkpoint(origin, size, self.tree.root(size), stamp).to_note(self.signer)
