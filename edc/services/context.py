"""Facts an edit check needs from the subject's other forms (the harness's ``context``)."""
from __future__ import annotations

from typing import Any, Callable, Mapping

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
