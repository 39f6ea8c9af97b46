"""Form-specific consequences of a save (re-derivations, deviations, SAE clocks), one function per
form key, kept out of the generic save path."""
from __future__ import annotations

from typing import Callable

from sqlalchemy.orm import Session

AfterSave = Callable[..., None]
_HOOKS: dict[str, list[AfterSave]] = {}


def register(form_key: str):
    def add(function: AfterSave) -> AfterSave:
        _HOOKS.setdefault(form_key, []).append(function)
        return function

    return add


def after_save(session: Session, ledger, user, subject, instance, form, evaluation, created: bool) -> None:
    load_plugins()
    for function in _HOOKS.get(form.key, []):
        function(session, ledger, user, subject, instance, form, evaluation, created)


def load_plugins() -> None:
    """Import the modules that register builders and hooks (once; import is idempotent)."""
    from . import plugins  # noqa: F401
