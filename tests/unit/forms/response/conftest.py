"""Case builders for the tumour assessment tests: every case goes through the public harness.

A neutral case has no primary, no metastatic disease and a clear marrow at baseline and now (every component
NI); a test overrides only the fields of the component it exercises.  In ``now``/``baseline`` dicts the
pseudo-keys ``CURIE`` (Curie bone score, spread over segments 1-9, segment 10 = 0) and ``SIOPEN`` (SIOPEN total,
spread over the 12 segments) stand for the segment scores.
"""
from __future__ import annotations

from typing import Any, Callable

import pytest

from forms.harness import run_case

NEUTRAL_BASELINE: dict[str, Any] = {
    "ASSESS_DT": "2025-01-10", "ASSESS_TYPE": "BASELINE",
    "PRIM_PRESENT": "N", "MET_PRESENT": "N", "NEW_LESION": "N", "CURIE": 0, "BM_PCT": "0",
}
NEUTRAL_NOW: dict[str, Any] = {
    "ASSESS_DT": "2025-04-10", "ASSESS_TYPE": "RESPONSE", "ASSESS_NO": "1",
    "PRIM_PRESENT": "N", "MET_PRESENT": "N", "NEW_LESION": "N", "CURIE": 0, "BM_PCT": "0",
}


def spread(total: int, segments: int, maximum: int) -> list[int]:
    """Segment scores summing to ``total``, filled segment by segment."""
    assert 0 <= total <= segments * maximum
    scores = []
    for _ in range(segments):
        score = min(maximum, total)
        scores.append(score)
        total -= score
    return scores


def expand(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in values.items() if k not in ("CURIE", "SIOPEN")}
    if values.get("CURIE") is not None:
        for n, score in enumerate(spread(values["CURIE"], 9, 3) + [0], start=1):
            out[f"CURIE_SEG{n}"] = str(score)
    if values.get("SIOPEN") is not None:
        for n, score in enumerate(spread(values["SIOPEN"], 12, 6), start=1):
            out[f"SIOPEN_SEG{n}"] = str(score)
    return out


Assess = Callable[..., dict[str, Any]]


@pytest.fixture
def assess() -> Assess:
    """``assess(now={...}, baseline={...} | None, nadir={...} | None)`` -> the harness output."""

    def run(now: dict[str, Any] | None = None, baseline: dict[str, Any] | None = None,
            nadir: dict[str, Any] | None = None, neutral: bool = True, no_baseline: bool = False) -> dict[str, Any]:
        data = expand({**(NEUTRAL_NOW if neutral else {}), **(now or {})})
        context: dict[str, Any] = {}
        if not no_baseline:
            context["baseline"] = expand({**(NEUTRAL_BASELINE if neutral else {}), **(baseline or {})})
        if nadir is not None:
            context["nadir"] = nadir
        return run_case("tumour_assessment", {"data": data, "context": context})

    return run


def check_ids(result: dict[str, Any], severity: str | None = None) -> set[str]:
    return {f["check"] for f in result["findings"] if severity is None or f["severity"] == severity}


@pytest.fixture
def findings() -> Callable[..., set[str]]:
    """``findings(result, "soft")``: the ids of the checks that failed."""
    return check_ids
