"""Dose-limiting toxicity derived from one adverse event (spec 3.4; ASSUMPTION, every part configurable).

The derived flag is a proposal: the investigator confirms or rejects it on the AE form.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from config.protocol import REGISTRY, Parameters

_GVHD = re.compile(r"\bgvhd\b|graft[\s-]*(versus|vs\.?|v)[\s-]*host", re.IGNORECASE)

NON_HAEMATOLOGIC, INFUSION_REACTION, CRS, ACUTE_GVHD, COUNT_RECOVERY, FATAL = 1, 2, 3, 4, 5, 6

CRS_TERM = "Cytokine release syndrome"
PROGRESSION_TERM = "Disease progression"


def is_gvhd(verbatim: str | None) -> bool:
    """Whether a verbatim term describes graft-versus-host disease (coded under an "Other, specify" term)."""
    return bool(verbatim and _GVHD.search(verbatim))


@dataclass(frozen=True)
class AeFacts:
    """What the DLT rules read from one AE and its preceding NK infusion."""

    term: str
    grade: int
    rel_nk: int | None
    """NCI attribution code 1-5 to NK cells; ``None`` when not applicable (control arm)."""
    rel_chemo: int | None
    onset: date
    end: date | None
    infusion_date: date | None
    """Date of the NK infusion that precedes the onset; ``None`` when the subject had none."""
    next_chemo_start: date | None = None
    as_of: date | None = None
    """For an ongoing event: the date up to which persistence is known."""
    verbatim: str | None = None
    crs_astct_grade: int | None = None
    gvhd_overall_grade: int | None = None


def in_dlt_window(facts: AeFacts, params: Parameters | Mapping[str, Any]) -> bool:
    """Onset from the infusion to the window's end, or before the next chemotherapy course if sooner."""
    if facts.infusion_date is None:
        return False
    days = (facts.onset - facts.infusion_date).days
    if not 0 <= days <= params["dlt_window_days"]:
        return False
    return facts.next_chemo_start is None or facts.onset < facts.next_chemo_start


def dlt_categories(facts: AeFacts, params: Parameters | Mapping[str, Any] | None = None) -> list[int]:
    """The DLT categories (1-6 of spec 3.4) this AE meets; empty when it is not a DLT."""
    params = params or REGISTRY
    if not in_dlt_window(facts, params):
        return []
    enabled = set(params["dlt_categories"])
    related = facts.rel_nk is not None and facts.rel_nk >= params["attribution_related_min"]
    chemo_related = facts.rel_chemo is not None and facts.rel_chemo >= params["attribution_related_min"]
    resolved_days = (facts.end - facts.onset).days if facts.end else None
    gvhd = is_gvhd(facts.verbatim)
    irr_terms = set(params["dlt_irr_terms"])
    found: set[int] = set()

    if related and facts.grade >= 3 and facts.term not in params["dlt_haematologic_terms"] \
            and facts.term not in irr_terms and facts.term != CRS_TERM and not gvhd:
        short_lived = params["dlt_g3_short_lived_terms"]
        excluded = facts.grade == 3 and (
            facts.term in params["dlt_g3_excluded_terms"]
            or (facts.term in short_lived and resolved_days is not None and resolved_days <= short_lived[facts.term])
        )
        if not excluded:
            found.add(NON_HAEMATOLOGIC)

    if related and facts.term in irr_terms and facts.grade >= 3:
        brief_g3 = facts.grade == 3 and resolved_days is not None and resolved_days <= 1
        if params["dlt_irr_grade3_counts"] or not brief_g3:
            found.add(INFUSION_REACTION)

    if related and facts.term == CRS_TERM:
        grade = facts.crs_astct_grade if params["dlt_crs_grade_source"] == "ASTCT" else facts.grade
        if grade is not None and grade >= 3:
            found.add(CRS)

    if related and gvhd and facts.gvhd_overall_grade is not None \
            and facts.gvhd_overall_grade >= params["dlt_gvhd_min_overall_grade"]:
        found.add(ACUTE_GVHD)

    recovery_terms = params["dlt_count_recovery_terms"]
    if related and not chemo_related and facts.term in recovery_terms and facts.grade >= recovery_terms[facts.term]:
        known_until = facts.end or facts.as_of
        if known_until is not None and (known_until - facts.infusion_date).days > params["dlt_count_recovery_days"]:
            found.add(COUNT_RECOVERY)

    # Spec 3.4 (6) reads "any grade 5 event not clearly due to disease progression": attribution is not required.
    if facts.grade == 5 and facts.term != PROGRESSION_TERM:
        found.add(FATAL)

    return sorted(found & enabled)
