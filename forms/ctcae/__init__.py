"""NCI CTCAE v5.0: the AE coding dictionary (shipped short-list and importers of a full dictionary)."""
from __future__ import annotations

from .parse import CtcaeParse, CtcaeTerm, ParseIssue, parse_ctcae_csv, parse_ctcae_json
from .shortlist import SHORTLIST_VERSION, dictionary_mapping, grade_choices, load_shortlist, lookup

__all__ = [
    "CtcaeParse",
    "CtcaeTerm",
    "ParseIssue",
    "SHORTLIST_VERSION",
    "dictionary_mapping",
    "grade_choices",
    "load_shortlist",
    "lookup",
    "parse_ctcae_csv",
    "parse_ctcae_json",
]
