"""The ledger's storage: append-only rows holding each entry's canonical bytes verbatim.

The columns beside ``body`` (action, subject, form ...) are copies for indexing the audit-trail
views; the verifier reads only ``seq``, ``body`` and ``signature``.  Triggers created by the
migration refuse UPDATE and DELETE on both tables.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    site: Mapped[str | None] = mapped_column(String(16), index=True)
    subject: Mapped[str | None] = mapped_column(String(32), index=True)
    form: Mapped[str | None] = mapped_column(String(64))
    instance: Mapped[str | None] = mapped_column(String(64), index=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))
    key_id: Mapped[str] = mapped_column(String(32))


class LedgerCheckpoint(Base):
    __tablename__ = "ledger_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    ts: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text)
