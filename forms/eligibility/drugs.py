"""Matching free-text drug names against the protocol's drug lists.

Names are compared as whole words after normalisation (lower case, punctuation to spaces), so
"Methylprednisolone sodium succinate" matches methylprednisolone and not prednisolone, and
"lopinavir/ritonavir" matches ritonavir.  Common synonyms map onto the name the lists use.
"""
from __future__ import annotations

import re
from typing import Iterable

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

SYNONYMS: dict[str, str] = {
    "rifampin": "rifampicin",
    "rifadin": "rifampicin",
    "hypericum": "st john s wort",
    "st johns wort": "st john s wort",
    "saint john s wort": "st john s wort",
    "saint johns wort": "st john s wort",
    "cortisol": "hydrocortisone",
    "solu cortef": "hydrocortisone",
    "solu medrol": "methylprednisolone",
    "medrol": "methylprednisolone",
    "decadron": "dexamethasone",
    "deltasone": "prednisone",
    "tegretol": "carbamazepine",
    "dilantin": "phenytoin",
    "phenobarbitone": "phenobarbital",
    "grapefruit": "grapefruit juice",
    "noxafil": "posaconazole",
    "vfend": "voriconazole",
    "sporanox": "itraconazole",
    "diflucan": "fluconazole",
    "emend": "aprepitant",
}


def normalise(name: str) -> str:
    return " ".join(_NON_ALNUM.sub(" ", name.lower()).split())


def _contains_phrase(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


def canonical_names(name: str) -> set[str]:
    """The normalised name plus every canonical name one of its synonyms stands for."""
    text = normalise(name)
    found = {text}
    for synonym, canonical in SYNONYMS.items():
        if _contains_phrase(text, synonym):
            found.add(canonical)
    return found


def matches(name: str, listed: Iterable[str]) -> list[str]:
    """The entries of ``listed`` that ``name`` names (as a whole word or phrase, synonyms included)."""
    candidates = canonical_names(name)
    hits = []
    for entry in listed:
        phrase = normalise(entry)
        if any(_contains_phrase(candidate, phrase) for candidate in candidates):
            hits.append(entry)
    return hits
