"""Finding a subject's form instances and reading their stored values (shared by the services)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import FormInstance, Subject


def find_instance(session: Session, subject: Subject, slot) -> FormInstance | None:
    """The instance in ``slot`` (event, event repeat, form, repeat number), removed or not."""
    return session.execute(
        select(FormInstance).where(
            FormInstance.subject_id == subject.id,
            FormInstance.event_key == slot.event_key,
            FormInstance.event_repeat == slot.event_repeat,
            FormInstance.form_key == slot.form_key,
            FormInstance.repeat_no == slot.repeat_no,
        )
    ).scalar_one_or_none()


def instances(session: Session, subject: Subject, form_key: str, exclude: FormInstance | None = None) -> list[FormInstance]:
    """The subject's live (not removed) instances of ``form_key`` in schedule order."""
    query = select(FormInstance).where(
        FormInstance.subject_id == subject.id, FormInstance.form_key == form_key, FormInstance.removed.is_(False)
    ).order_by(FormInstance.event_repeat, FormInstance.repeat_no, FormInstance.id)
    return [row for row in session.execute(query).scalars() if exclude is None or row.id != exclude.id]


def values_of(instance: FormInstance) -> dict[str, str | None]:
    """Entered and derived values of an instance as stored strings."""
    return {v.field: v.value for v in instance.values}


def restrict_to_sites(statement, column, sites: set[int] | None):
    """Limit a query to ``sites``; ``None`` means every site (a study-wide role)."""
    return statement if sites is None else statement.where(column.in_(sites))
