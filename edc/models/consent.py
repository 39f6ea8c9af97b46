"""Approved consent documents and the consent given on them (spec section 6)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow

DOCUMENT_KINDS = {"guardian": "Guardian permission", "assent": "Child assent"}


class ConsentDocument(Base):
    __tablename__ = "consent_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version_label: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(32))
    ethics_reference: Mapped[str] = mapped_column(String(64))
    approval_date: Mapped[date] = mapped_column(Date)
    effective_date: Mapped[date] = mapped_column(Date)
    retirement_date: Mapped[date | None] = mapped_column(Date)
    ethics_expiry_date: Mapped[date | None] = mapped_column(Date)
    """End of the ethics approval, when the committee set one (spec 6.2 EC_EXPIRY_DT)."""
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The approved document itself (PDF or text), shown at the bedside; ``sha256`` is over these bytes."""
    content_type: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str | None] = mapped_column(String(200))
    optional_items: Mapped[str] = mapped_column(Text, default="")
    """Newline-separated optional yes/no items (e.g. future use of samples)."""
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retirement_reason: Mapped[str | None] = mapped_column(Text)


class ConsentRecord(Base):
    """One consent event: guardian permission (one or two signers), assent, witness, obtainer."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("consent_documents.id"))
    assent_document_id: Mapped[int | None] = mapped_column(ForeignKey("consent_documents.id"))
    consent_date: Mapped[date] = mapped_column(Date)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    occasion: Mapped[str] = mapped_column(String(16), default="INITIAL")
    """INITIAL, or why consent was taken again (AMENDMENT, ASSENT_AGE, MAJORITY, OTHER; spec 6.2 RECONSENT_n)."""
    child_birth_date_sealed: Mapped[str | None] = mapped_column(Text)
    """The child's date of birth (sealed JSON) typed at consent: it decides whether assent is due."""
    guardian_count: Mapped[int] = mapped_column(Integer, default=1)
    optional_answers: Mapped[str] = mapped_column(Text, default="{}")
    assent_required: Mapped[bool] = mapped_column(Boolean, default=False)
    assent_obtained: Mapped[str] = mapped_column(String(16), default="NA")
    assent_not_obtained_reason: Mapped[str | None] = mapped_column(Text)
    assent_justification: Mapped[str | None] = mapped_column(Text)
    """The investigator's justification when a child of assent age did not assent in writing."""
    witness_required: Mapped[bool] = mapped_column(Boolean, default=False)
    copy_given: Mapped[bool] = mapped_column(Boolean, default=False)
    obtained_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    obtainer_signature_id: Mapped[int | None] = mapped_column(ForeignKey("e_signatures.id"))
    withdrawn_on: Mapped[date | None] = mapped_column(Date)
    withdrawal_scope: Mapped[str | None] = mapped_column(String(32))
    withdrawal_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawal_requested_by: Mapped[str | None] = mapped_column(String(32))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[ConsentDocument] = relationship(foreign_keys=[document_id])
    signers: Mapped[list["ConsentSigner"]] = relationship(back_populates="record", cascade="all")


class ConsentSigner(Base):
    """A person who signed by hand on the tablet: guardian, child (assent) or impartial witness.

    Name and drawn signature are direct identifiers: stored sealed with the subject key.
    """

    __tablename__ = "consent_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("consent_records.id"), index=True)
    capacity: Mapped[str] = mapped_column(String(16))
    relationship_to_child: Mapped[str | None] = mapped_column(String(32))
    name_sealed: Mapped[str | None] = mapped_column(Text)
    can_read: Mapped[bool | None] = mapped_column(Boolean)
    """For a guardian: False calls for an impartial witness (ICH E6(R2) 4.8.9)."""
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    image_media_type: Mapped[str] = mapped_column(String(32))
    image_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    image_sha256: Mapped[str] = mapped_column(String(64))

    record: Mapped[ConsentRecord] = relationship(back_populates="signers")


class ScreenFailure(Base):
    """The screening log's record of a subject who did not enter the study, with the reasons."""

    __tablename__ = "screen_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    failed_on: Mapped[date] = mapped_column(Date)
    criteria: Mapped[str] = mapped_column(Text, default="")
    """Comma-separated criterion ids not met (spec 1.2), e.g. ``E1b, E9``."""
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
