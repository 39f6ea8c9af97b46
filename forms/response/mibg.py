"""123I-MIBG semi-quantitative scores: Curie (spec 5.1) and SIOPEN (spec 5.2) totals, relative bone score.

The scales themselves (segments and the per-segment maximum) are the published definitions, not protocol
choices, so they live here; whether the Curie soft-tissue segment belongs to the "bone score" is a protocol
reading and is read from ``curie_bone_excludes_soft_tissue``.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from config.protocol import Parameters

from .values import to_code, to_int

CURIE_SEGMENTS = 10
CURIE_SEGMENT_MAX = 3
CURIE_SOFT_TISSUE_SEGMENT = 10
SIOPEN_SEGMENTS = 12
SIOPEN_SEGMENT_MAX = 6

METHODS = (("CURIE", "Curie"), ("SIOPEN", "SIOPEN"), ("BOTH", "Curie and SIOPEN"))


def curie_names() -> tuple[str, ...]:
    return tuple(f"CURIE_SEG{n}" for n in range(1, CURIE_SEGMENTS + 1))


def siopen_names() -> tuple[str, ...]:
    return tuple(f"SIOPEN_SEG{n}" for n in range(1, SIOPEN_SEGMENTS + 1))


def segment_scores(values: Mapping[str, Any], names: tuple[str, ...], maximum: int) -> list[int | None]:
    """Each segment's score, ``None`` where blank, unreadable or outside 0..maximum."""
    scores: list[int | None] = []
    for name in names:
        score = to_int(values.get(name))
        scores.append(score if score is not None and 0 <= score <= maximum else None)
    return scores


def _sum_if_complete(scores: list[int | None]) -> int | None:
    if not scores or any(score is None for score in scores):
        return None
    return sum(score for score in scores if score is not None)


def curie_total(values: Mapping[str, Any]) -> int | None:
    """All 10 Curie segments summed (max 30); ``None`` unless every segment is scored."""
    return _sum_if_complete(segment_scores(values, curie_names(), CURIE_SEGMENT_MAX))


def curie_bone(values: Mapping[str, Any], params: Parameters) -> int | None:
    """The Curie bone score used for the relative MIBG score: skeletal segments 1-9 (max 27)."""
    names = curie_names()
    if params["curie_bone_excludes_soft_tissue"]:
        names = tuple(n for n in names if n != f"CURIE_SEG{CURIE_SOFT_TISSUE_SEGMENT}")
    return _sum_if_complete(segment_scores(values, names, CURIE_SEGMENT_MAX))


def siopen_total(values: Mapping[str, Any]) -> int | None:
    """All 12 SIOPEN skeletal segments summed (max 72); ``None`` unless every segment is scored."""
    return _sum_if_complete(segment_scores(values, siopen_names(), SIOPEN_SEGMENT_MAX))


def entered_segments(values: Mapping[str, Any], names: tuple[str, ...]) -> int:
    """How many of ``names`` hold a value (typed or raw), to tell a partial score from none."""
    return sum(1 for name in names if values.get(name) not in (None, ""))


def scoring_method(values: Mapping[str, Any]) -> str | None:
    """The declared ``MIBG_SCORE_METHOD``; when blank, the one the entered segments show."""
    declared = to_code(values.get("MIBG_SCORE_METHOD"))
    if declared in dict(METHODS):
        return declared
    curie = entered_segments(values, curie_names()) > 0
    siopen = entered_segments(values, siopen_names()) > 0
    if curie and siopen:
        return "BOTH"
    if curie:
        return "CURIE"
    if siopen:
        return "SIOPEN"
    return None


def relative_bone_score(now: int | None, baseline: int | None) -> Decimal | None:
    """Bone score now / bone score at baseline; ``None`` when either is unknown or the baseline is 0."""
    if now is None or baseline is None or baseline == 0:
        return None
    return Decimal(now) / Decimal(baseline)
