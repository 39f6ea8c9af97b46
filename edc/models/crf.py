"""Form instances and their current values: a projection of the ledger (``edc ledger replay``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow


class FormInstance(Base):
    __tablename__ = "form_instances"
    __table_args__ = (
        UniqueConstraint("subject_id", "event_key", "event_repeat", "form_key", "repeat_no", name="one_instance_per_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    event_key: Mapped[str] = mapped_column(String(64))
    event_repeat: Mapped[int] = mapped_column(Integer, default=1)
    form_key: Mapped[str] = mapped_column(String(64))
    form_version: Mapped[int] = mapped_column(Integer)
    repeat_no: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="incomplete")
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    removed_reason: Mapped[str | None] = mapped_column(Text)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    values: Mapped[list["ItemValue"]] = relationship(back_populates="instance", cascade="all", order_by="ItemValue.id")

    @property
    def ref(self) -> str:
        return f"{self.event_key}.{self.event_repeat}/{self.form_key}.{self.repeat_no}"


class ItemValue(Base):
    """One field's current value as entered (a string), or a derived value (``derived`` true)."""

    __tablename__ = "item_values"
    __table_args__ = (UniqueConstraint("instance_id", "field", name="one_value_per_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("form_instances.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
    missing_reason: Mapped[str | None] = mapped_column(String(8))
    derived: Mapped[bool] = mapped_column(Boolean, default=False)
    rule_version: Mapped[str | None] = mapped_column(String(32))

    instance: Mapped[FormInstance] = relationship(back_populates="values")
