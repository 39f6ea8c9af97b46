"""Every form declaration of the study, by key and version."""
from __future__ import annotations

from functools import cache

from .core import FormDef


class UnknownForm(KeyError):
    pass


@cache
def _all() -> dict[tuple[str, int], FormDef]:
    from . import (
        adverse_event,
        baseline_conditions,
        chemotherapy,
        conmeds,
        death,
        end_of_study,
        infusion,
        nk_product,
        screening,
        tumour_assessment,
    )

    found: dict[tuple[str, int], FormDef] = {}
    modules = (screening, conmeds, baseline_conditions, chemotherapy, nk_product, infusion,
               adverse_event, death, end_of_study, tumour_assessment)
    for module in modules:
        for form in module.FORMS:
            if (form.key, form.version) in found:
                raise RuntimeError(f"form {form.key} v{form.version} declared twice")
            found[(form.key, form.version)] = form
    return found


def get_form(key: str, version: int | None = None) -> FormDef:
    """The declaration of ``key`` at ``version`` (latest when omitted).

    :raises UnknownForm: when no such form or version is declared.
    """
    versions = [form for (k, _), form in _all().items() if k == key]
    if not versions:
        raise UnknownForm(key)
    if version is None:
        return max(versions, key=lambda f: f.version)
    for form in versions:
        if form.version == version:
            return form
    raise UnknownForm(f"{key} v{version}")


def all_forms(latest_only: bool = True) -> list[FormDef]:
    forms = sorted(_all().values(), key=lambda f: (f.key, f.version))
    if not latest_only:
        return forms
    latest: dict[str, FormDef] = {}
    for form in forms:
        latest[form.key] = form
    return list(latest.values())
