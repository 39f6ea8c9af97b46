"""Protocol deviations and the coding dictionary versions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Deviation(Base):
    __tablename__ = "deviations"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("form_instances.id"))
    category: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date] = mapped_column(Date)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_to_ethics: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DictionaryVersion(Base):
    __tablename__ = "dictionary_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64))
    source_sha256: Mapped[str] = mapped_column(String(64))
    term_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DictionaryTerm(Base):
    __tablename__ = "dictionary_terms"
    __table_args__ = (UniqueConstraint("version_id", "term", name="one_term_per_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("dictionary_versions.id"), index=True)
    term: Mapped[str] = mapped_column(String(200))
    meddra_code: Mapped[str] = mapped_column(String(16))
    soc: Mapped[str] = mapped_column(String(200))
    grades_json: Mapped[str] = mapped_column(Text)
    definition: Mapped[str | None] = mapped_column(Text)
    other_specify: Mapped[bool] = mapped_column(Boolean, default=False)
