"""Facts an edit check needs from the subject's other forms (the harness's ``context``)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import FormInstance, Subject

Builder = Callable[..., dict[str, Any]]
_BUILDERS: dict[str, Builder] = {}


def builder(form_key: str):
    def add(function: Builder) -> Builder:
        _BUILDERS[form_key] = function
        return function

    return add


def build(session: Session, subject: Subject, form_key: str, slot, data: Mapping[str, Any], instance: FormInstance | None) -> dict[str, Any]:
    from .hooks import load_plugins

    load_plugins()
    function = _BUILDERS.get(form_key)
    return function(session, subject, slot, data, instance) if function else {}


def values_of(instance: FormInstance) -> dict[str, str | None]:
    """Entered and derived values of an instance as stored strings."""
    return {v.field: v.value for v in instance.values}


def instances(session: Session, subject: Subject, form_key: str, exclude: FormInstance | None = None) -> list[FormInstance]:
    query = select(FormInstance).where(
        FormInstance.subject_id == subject.id, FormInstance.form_key == form_key, FormInstance.removed.is_(False)
    ).order_by(FormInstance.event_repeat, FormInstance.repeat_no, FormInstance.id)
    rows = list(session.execute(query).scalars())
    return [row for row in rows if exclude is None or row.id != exclude.id]
