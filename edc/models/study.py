"""Sites and subjects."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

SUBJECT_STATUSES = (
    "screening", "screen_failure", "enrolled", "on_treatment", "follow_up", "completed", "withdrawn", "died",
)
ARMS = {"NK": "NK cells + conventional treatment", "CONTROL": "Control (conventional treatment)"}


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tehran")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Subject(Base):
    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(32), default="screening")
    arm: Mapped[str | None] = mapped_column(String(16))
    allocation_basis: Mapped[str | None] = mapped_column(Text)
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    screen_failure_reason: Mapped[str | None] = mapped_column(Text)
    withdrawal_scope: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    site: Mapped[Site] = relationship()


class SubjectKey(Base):
    """The per-subject key that seals the subject's identifiers in the ledger.

    Kept outside the ledger on purpose: destroying it (``destroyed_at`` set, ``key`` emptied) makes
    the identifiers in every ledger entry unreadable without breaking the chain.
    """

    __tablename__ = "subject_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), unique=True)
    key_ref: Mapped[str] = mapped_column(String(64), unique=True)
    key: Mapped[bytes | None] = mapped_column(LargeBinary)
    destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StudySetting(Base):
    """Study-level facts set at installation (e.g. ``demo`` for a demonstration database)."""

    __tablename__ = "study_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
