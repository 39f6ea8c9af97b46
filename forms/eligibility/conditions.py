"""Ongoing baseline organ toxicity of grade 3 or more (exclusion E13) from the baseline-conditions log."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .dates import Unreadable, context_decimal, context_flag


@dataclass(frozen=True)
class OrganToxicity:
    number: int
    term: str
    soc: str
    grade: int


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def organ_toxicities(
    raw: Any, socs: Sequence[str], investigation_terms: Sequence[str], min_grade: int
) -> tuple[list[OrganToxicity], list[str]]:
    """Ongoing conditions of grade >= ``min_grade`` in the E13 organ SOCs (liver terms of Investigations).

    Returns the toxicities found and the records that could not be judged (grade or ongoing unreadable
    or missing for a condition of a listed organ system).
    """
    if raw is None:
        return [], []
    if not isinstance(raw, (list, tuple)):
        return [], ["baseline_conditions"]
    found: list[OrganToxicity] = []
    unresolved: list[str] = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            unresolved.append(f"baseline condition {number}")
            continue
        term = str(item.get("TERM") or "").strip()
        soc = str(item.get("SOC") or "").strip()
        organ = any(_same(soc, listed) for listed in socs) or (
            _same(soc, "Investigations") and any(_same(term, listed) for listed in investigation_terms)
        )
        if not organ:
            continue
        label = f"{term or 'unnamed condition'} (baseline condition {number})"
        try:
            grade = context_decimal(item.get("GRADE"))
            ongoing = context_flag(item.get("ONGOING"))
        except Unreadable:
            unresolved.append(label)
            continue
        if grade is None:
            unresolved.append(label)
            continue
        if grade < min_grade or ongoing is False:
            continue
        if ongoing is None:
            unresolved.append(label)
            continue
        found.append(OrganToxicity(number, term, soc, int(grade)))
    return found, unresolved
