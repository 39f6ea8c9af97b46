"""Every export is itself ledgered: who exported what, when, and the SHA-256 of the exact file sent.

A file is produced into a spooled temporary file first (memory up to a limit, then disk), hashed,
and the ``export.*`` entry is appended and committed before the first byte is streamed: a download
that was never recorded cannot happen.
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO, Any, Callable

from sqlalchemy.orm import Session

from audit.entry import RecordRef

from ...models import LedgerEntry
from ...wiring import actor_for
from .. import ledger as ledger_service

SPOOL_IN_MEMORY = 8 * 1024 * 1024
EXPORT_ACTIONS = {
    "odm": "export.odm",
    "csv": "export.csv",
    "casebook": "export.casebook",
    "ledger_bundle": "export.ledger_bundle",
}


@dataclass
class ProducedFile:
    handle: IO[bytes]
    sha256: str
    size: int
    filename: str
    mimetype: str


def spool(write: Callable[[IO[bytes]], None], filename: str, mimetype: str) -> ProducedFile:
    """Run ``write`` into a spooled file, then rewind it and hash it."""
    handle = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    write(handle)
    handle.seek(0)
    digest = hashlib.sha256()
    size = 0
    for block in iter(lambda: handle.read(1 << 20), b""):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return ProducedFile(handle, digest.hexdigest(), size, filename, mimetype)


def record_export(session: Session, ledger: ledger_service.LedgerConfig, user, kind: str, produced: ProducedFile,
                  *, subject=None, details: dict[str, Any] | None = None) -> LedgerEntry:
    """Append the ``export.<kind>`` entry for ``produced`` (in the caller's transaction)."""
    payload: dict[str, Any] = {
        "format": kind,
        "scope": "subject" if subject is not None else "study",
        "filename": produced.filename,
        "sha256": produced.sha256,
        "bytes": produced.size,
    }
    payload.update(details or {})
    record = RecordRef(site=subject.site.code, subject=subject.code) if subject is not None else RecordRef()
    return ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id if subject is not None else None),
        action=EXPORT_ACTIONS[kind], record=record, payload=payload,
    )


def stream(handle: IO[bytes], block: int = 64 * 1024):
    """Yield the spooled file in blocks and close it at the end (or when the client goes away)."""
    try:
        for chunk in iter(lambda: handle.read(block), b""):
            yield chunk
    finally:
        handle.close()


def checkpoint_covering_head(session: Session, ledger: ledger_service.LedgerConfig):
    """The latest signed checkpoint if it covers every entry, else a new one signed now."""
    from sqlalchemy import func, select

    latest = ledger_service.latest_checkpoint(session)
    size = session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    if latest is not None and latest.size == size:
        return latest
    return ledger_service.make_checkpoint(session, ledger)
