"""The SQLAlchemy adapter of the ledger: the only code that writes ``ledger_entries``.

Every service appends through :func:`append` inside its own transaction, so the data change and
its ledger entry commit together or not at all.  Appends are serialised through the database -
``pg_advisory_xact_lock`` on PostgreSQL, the ``BEGIN IMMEDIATE`` write lock on SQLite - never by a
lock in Python memory, so several processes on several hosts keep one linear chain.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from audit.chain import genesis_payload, rotation_payload
from audit.checkpoint import Checkpoint
from audit.entry import KEY_ROTATED_ACTION, Actor, Entry, RecordRef, next_timestamp, seal
from audit.hashing import GENESIS_PREV
from audit.keys import KeyFileError, LedgerSigner, load_signer
from audit.merkle import MerkleTree

from ..db import is_postgres
from ..models import LedgerCheckpoint, LedgerEntry

ADVISORY_LOCK_ID = 0x4E4B4C45  # "NKLE": one lock for the one chain

SYSTEM_ACTOR = Actor(user_id=None, name="EDC system", role="system")


class LedgerUnavailable(RuntimeError):
    """The ledger key cannot be used, so no write may happen (reads still work)."""


@dataclass(frozen=True)
class LedgerConfig:
    key_file: Path
    origin: str
    checkpoint_every: int
    clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)


_signer_cache: dict[tuple, LedgerSigner] = {}


def signer_for(config: LedgerConfig) -> LedgerSigner:
    """Load the ledger key, refusing with an operator message when it is missing or unreadable.

    :raises LedgerUnavailable: the key file is missing, unreadable or too permissive.
    """
    try:
        stat = config.key_file.stat()
    except OSError as error:
        raise LedgerUnavailable(
            f"the ledger key file {config.key_file} cannot be read ({error.strerror}); "
            "data entry is refused until the operator restores it"
        ) from None
    # Any change to the file - content, replacement, or permissions (ctime) - loads and checks it again.
    cache_key = (str(config.key_file), stat.st_ino, stat.st_mode, stat.st_mtime_ns, stat.st_ctime_ns)
    if cache_key not in _signer_cache:
        try:
            _signer_cache[cache_key] = load_signer(config.key_file)
        except KeyFileError as error:
            raise LedgerUnavailable(f"{error}; data entry is refused until the operator fixes it") from None
    return _signer_cache[cache_key]


@dataclass(frozen=True)
class Appended:
    """What callers need of an entry just appended (the row itself is never updated)."""

    seq: int
    ts: str
    action: str
    leaf_hash: bytes
    key_id: str
    next_key_id: str

    @property
    def entry_hash(self) -> str:
        return self.leaf_hash.hex()


_HEAD = "edc_ledger_head"
_INSERT = insert(LedgerEntry.__table__)


def _head(session: Session) -> Appended | None:
    """The chain head, read once per transaction under the lock, then kept in ``session.info``.

    The cache is keyed by the transaction object: a new transaction re-reads the head (and takes the
    lock again), so a head seen in an earlier transaction is never trusted.
    """
    transaction = session.get_transaction()
    cached = session.info.get(_HEAD)
    if cached is not None and cached[0] is transaction:
        return cached[1]
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID})
    # SQLite: the transaction began with BEGIN IMMEDIATE and already holds the write lock.
    row = session.execute(
        select(LedgerEntry.seq, LedgerEntry.ts, LedgerEntry.action, LedgerEntry.leaf_hash, LedgerEntry.key_id, LedgerEntry.body)
        .order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    head = None
    if row is not None:
        next_key = Entry.from_bytes(bytes(row.body)).payload["new_key_id"] if row.action == KEY_ROTATED_ACTION else row.key_id
        head = Appended(row.seq, row.ts, row.action, bytes(row.leaf_hash), row.key_id, next_key)
    session.info[_HEAD] = (transaction, head)
    return head


def _store(session: Session, entry: Entry, signer: LedgerSigner) -> Appended:
    sealed = seal(entry, signer)
    session.connection().execute(
        _INSERT,
        {
            "seq": sealed.seq, "ts": entry.ts, "action": entry.action, "actor_id": entry.actor.user_id,
            "site": entry.record.site, "subject": entry.record.subject, "form": entry.record.form,
            "instance": entry.record.instance, "body": sealed.body, "leaf_hash": sealed.leaf_hash,
            "prev_hash": bytes.fromhex(entry.prev), "signature": sealed.signature, "key_id": sealed.key_id,
        },
    )
    next_key = entry.payload["new_key_id"] if entry.action == KEY_ROTATED_ACTION else sealed.key_id
    appended = Appended(sealed.seq, entry.ts, entry.action, sealed.leaf_hash, sealed.key_id, next_key)
    session.info[_HEAD] = (session.get_transaction(), appended)
    return appended


def append(
    session: Session,
    config: LedgerConfig,
    *,
    actor: Actor,
    action: str,
    record: RecordRef | None = None,
    payload: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Appended:
    """Append one entry in the caller's transaction.

    :raises LedgerUnavailable: when the ledger key cannot be used.
    :raises audit.canonical.CanonicalError: when the payload holds a value JSON cannot keep exactly.
    """
    signer = signer_for(config)
    head = _head(session)
    if head is None:
        head = _store(session, _genesis(config, signer), signer)
    entry = Entry(
        seq=head.seq + 1,
        ts=next_timestamp(config.clock(), head.ts),
        actor=actor,
        action=action,
        record=record or RecordRef(),
        payload=payload or {},
        reason=reason,
        prev=head.leaf_hash.hex(),
        key_id=head.next_key_id,
    )
    if entry.key_id != signer.key_id:
        raise LedgerUnavailable(
            f"the ledger key file holds key {signer.key_id} but the ledger expects {entry.key_id}; "
            "rotate keys with 'edc ledger rotate-key', never by replacing the file"
        )
    appended = _store(session, entry, signer)
    if config.checkpoint_every and appended.seq % config.checkpoint_every == 0:
        make_checkpoint(session, config)
    return appended


def _genesis(config: LedgerConfig, signer: LedgerSigner) -> Entry:
    return Entry(
        seq=1,
        ts=next_timestamp(config.clock(), None),
        actor=SYSTEM_ACTOR,
        action="ledger.genesis",
        record=RecordRef(),
        payload=genesis_payload(signer.public_bytes, signer.key_id),
        reason=None,
        prev=GENESIS_PREV,
        key_id=signer.key_id,
    )


def rotate_key(session: Session, config: LedgerConfig, new_signer: LedgerSigner, actor: Actor, reason: str) -> Appended:
    """Introduce ``new_signer``'s key with an entry signed by the key now in force."""
    return append(
        session,
        config,
        actor=actor,
        action="ledger.key_rotated",
        payload=rotation_payload(new_signer.public_bytes, new_signer.key_id),
        reason=reason,
    )


def leaf_hashes(session: Session, upto: int | None = None) -> list[bytes]:
    query = select(LedgerEntry.leaf_hash).order_by(LedgerEntry.seq)
    if upto is not None:
        query = query.where(LedgerEntry.seq <= upto)
    return list(session.execute(query).scalars())


def tree(session: Session) -> MerkleTree:
    merkle = MerkleTree()
    for leaf in leaf_hashes(session):
        merkle.append(leaf)
    return merkle


def make_checkpoint(session: Session, config: LedgerConfig) -> LedgerCheckpoint:
    """Sign a checkpoint over the whole ledger as it stands in this transaction."""
    signer = signer_for(config)
    leaves = leaf_hashes(session)
    merkle = MerkleTree()
    for leaf in leaves:
        merkle.append(leaf)
    head = _head(session)
    checkpoint = Checkpoint(
        origin=config.origin,
        size=len(leaves),
        root=merkle.root(),
        time=next_timestamp(config.clock(), head.ts if head else None),
    )
    row = LedgerCheckpoint(size=checkpoint.size, root_hash=checkpoint.root, ts=checkpoint.time, note=checkpoint.to_note(signer))
    session.add(row)
    session.flush()
    return row


def latest_checkpoint(session: Session) -> LedgerCheckpoint | None:
    return session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)).scalar_one_or_none()


def iter_records(session: Session, batch: int = 5000) -> Iterator[tuple[int, bytes, bytes]]:
    """Stream ``(seq, body, signature)`` in order without loading the whole ledger."""
    last = 0
    while True:
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.signature)
            .where(LedgerEntry.seq > last)
            .order_by(LedgerEntry.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        for seq, body, signature in rows:
            yield seq, bytes(body), bytes(signature)
        last = rows[-1][0]


def checkpoint_notes(session: Session) -> list[str]:
    return list(session.execute(select(LedgerCheckpoint.note).order_by(LedgerCheckpoint.id)).scalars())


def public_keys(session: Session) -> dict[str, bytes]:
    """Every key the ledger has introduced (genesis and rotations), by key id."""
    keys: dict[str, bytes] = {}
    rows = session.execute(
        select(LedgerEntry.body).where(LedgerEntry.action.in_(("ledger.genesis", "ledger.key_rotated"))).order_by(LedgerEntry.seq)
    ).scalars()
    for body in rows:
        payload = Entry.from_bytes(bytes(body)).payload
        if "public_key" in payload:
            keys[payload["key_id"]] = base64.b64decode(payload["public_key"])
        else:
            keys[payload["new_key_id"]] = base64.b64decode(payload["new_public_key"])
    return keys
