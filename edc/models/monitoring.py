"""Queries, source data verification, e-signatures and locks."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

QUERY_STATES = ("open", "answered", "closed")
SIGNATURE_MEANINGS = {
    "authorship": "I am the author of this record",
    "review": "I have reviewed this record",
    "approval": "I approve this record",
    "responsibility": "I take responsibility for this record",
    "eligibility_confirmed": "Eligibility confirmed",
    "consent_obtained": "Consent obtained",
}


class Query(Base):
    __tablename__ = "queries"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("form_instances.id"), index=True)
    field: Mapped[str | None] = mapped_column(String(64))
    check_id: Mapped[str | None] = mapped_column(String(64))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default="open")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opener_role: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    messages: Mapped[list["QueryMessage"]] = relationship(back_populates="query", cascade="all", order_by="QueryMessage.id")


class QueryMessage(Base):
    __tablename__ = "query_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_id: Mapped[int] = mapped_column(ForeignKey("queries.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    transition: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    query: Mapped[Query] = relationship(back_populates="messages")


class SdvMark(Base):
    """A monitor's verification of one field against source, bound to the value's hash."""

    __tablename__ = "sdv_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("form_instances.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value_sha256: Mapped[str] = mapped_column(String(64))
    verified_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class ESignature(Base):
    """A Part 11 e-signature: manifestation (name, time, meaning) bound to a content hash."""

    __tablename__ = "e_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    printed_name: Mapped[str] = mapped_column(String(200))
    meaning: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("form_instances.id"), index=True)
    target: Mapped[str] = mapped_column(String(128))
    content_sha256: Mapped[str] = mapped_column(String(64))
    user_signature: Mapped[bytes] = mapped_column(LargeBinary)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ledger_seq: Mapped[int | None] = mapped_column(Integer)
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    invalidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invalidated_reason: Mapped[str | None] = mapped_column(Text)


class Lock(Base):
    """A data manager's lock on a form, an event, a subject or the study."""

    __tablename__ = "locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    event_key: Mapped[str | None] = mapped_column(String(64))
    event_repeat: Mapped[int | None] = mapped_column(Integer)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("form_instances.id"))
    locked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    unlocked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    unlock_reason: Mapped[str | None] = mapped_column(Text)
