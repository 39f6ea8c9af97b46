"""The trial's shipped AE short-list and look-ups in a dictionary mapping (term -> MedDRA, SOC, grades)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from .parse import CtcaeTerm

SHORTLIST_PATH = Path(__file__).with_name("shortlist.json")


@cache
def _document() -> dict[str, Any]:
    return json.loads(SHORTLIST_PATH.read_text(encoding="utf-8"))


def _shortlist_version() -> str:
    document = _document()
    return f"{document['dictionary']} {document['version']} short-list {document['shortlist_revision']}"


SHORTLIST_VERSION = _shortlist_version()
"""The dictionary version an AE coded against the shipped short-list records."""


@cache
def _terms() -> tuple[CtcaeTerm, ...]:
    return tuple(
        CtcaeTerm(
            meddra=entry["meddra"],
            term=entry["term"],
            soc=entry["soc"],
            grades={int(grade): text for grade, text in entry["grades"].items()},
            definition=entry.get("definition"),
            nav=entry.get("nav"),
            soc_code=entry.get("soc_code"),
        )
        for entry in _document()["terms"]
    )


def load_shortlist() -> list[CtcaeTerm]:
    """The 54 short-list terms of spec 2.2 followed by every SOC's "Other, specify" term."""
    return list(_terms())


def dictionary_mapping(terms: list[CtcaeTerm] | tuple[CtcaeTerm, ...] | None = None) -> dict[str, dict[str, Any]]:
    """Terms as the AE form's ``dictionary`` context: term -> {meddra, soc, soc_code, grades, ...}."""
    return {term.term: term.as_entry() for term in (terms if terms is not None else _terms())}


@cache
def _default_mapping() -> dict[str, dict[str, Any]]:
    return dictionary_mapping()


def lookup(term: str | None, dictionary: Mapping[str, Any] | None = None) -> tuple[str, dict[str, Any]] | None:
    """Find ``term`` (exact, else case-insensitive) and return (dictionary spelling, normalised entry).

    The entry's ``grades`` keys become ints whatever the source (JSON objects key them by string).
    """
    if not term:
        return None
    source = dictionary if dictionary is not None else _default_mapping()
    found = term if term in source else next((k for k in source if k.casefold() == term.strip().casefold()), None)
    if found is None:
        return None
    raw = source[found] or {}
    grades = {int(grade): text for grade, text in (raw.get("grades") or {}).items()}
    entry = dict(raw)
    entry["grades"] = grades
    entry.setdefault("other_specify", found.endswith("Other, specify"))
    return found, entry


def grade_choices(term: str | None, dictionary: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """The grade pick-list for ``term``: only its defined grades, each with its CTCAE description."""
    found = lookup(term, dictionary)
    if found is None:
        return []
    return [(str(grade), f"{grade}: {text}") for grade, text in sorted(found[1]["grades"].items())]
