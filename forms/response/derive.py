"""Derived values of a tumour assessment, and the baseline and nadir the app feeds them.

The app re-derives every later assessment of a subject when an earlier one changes: it calls
:func:`baseline_of` and :func:`nadir_of` over the saved assessments, then :func:`derive_response` for each
later one.  All three accept typed values (``Decimal``, ``int``, ``date``) or the strings a user typed.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Mapping, Sequence

from config.protocol import REGISTRY, Parameters

from . import inrc, mibg
from .facts import Facts, facts_of, lesion_sum
from .values import to_date, to_decimal

RESPONSE_KEYS = ("PRIM_RESP", "MET_RESP", "BM_RESP")


def comparable_bone_scores(now: Facts, base: Facts) -> tuple[int | None, int | None, bool]:
    """``(now, baseline, same_scale)`` MIBG bone scores.

    Curie bone (segments 1-9) when both assessments have it and neither is SIOPEN-only, else SIOPEN when
    both have it; otherwise each assessment's own score, flagged as not comparable (no relative score).
    """
    if (now.curie_bone is not None and base.curie_bone is not None
            and "SIOPEN" not in (now.method, base.method)):
        return now.curie_bone, base.curie_bone, True
    if now.siopen_total is not None and base.siopen_total is not None:
        return now.siopen_total, base.siopen_total, True
    return now.bone_score, base.bone_score, False


def derive_response(
    current: Mapping[str, Any],
    baseline: Mapping[str, Any] | None,
    nadir: Mapping[str, Any] | None,
    params: Parameters | None = None,
) -> dict[str, Any]:
    """Every derived value of ``current``: MIBG totals, target sum, relative MIBG score, responses.

    Without a baseline (the baseline assessment itself), or when ``current`` is a BASELINE assessment, no
    response is derived: components ``None``, overall ``NE``.
    """
    params = params or REGISTRY
    now = facts_of(current, params, stored_totals=False)
    derived: dict[str, Any] = {
        "CURIE_TOTAL": now.curie_total,
        "CURIE_BONE": now.curie_bone,
        "SIOPEN_TOTAL": now.siopen_total,
        "LES_SUM_MM": lesion_sum(current, params),
        "REL_MIBG": None,
        "PRIM_RESP": None,
        "MET_RESP": None,
        "BM_RESP": None,
        "OVERALL_RESP": inrc.NE,
        "RESP_RULE_VERSION": params["inrc_rule_version"],
        "EXTRA_INF_ELIG": "N",
    }
    if not baseline or now.kind == "BASELINE":
        return derived
    base = facts_of(baseline, params)
    nadir = nadir or {}
    now_bone, base_bone, same_scale = comparable_bone_scores(now, base)
    rel = mibg.relative_bone_score(now_bone, base_bone) if same_scale else None
    components = {
        "PRIM_RESP": inrc.primary_response(now, base, to_decimal(nadir.get("PRIM_LD_MM")), params),
        "MET_RESP": inrc.metastatic_response(
            now, base, to_decimal(nadir.get("MET_TARGET_SOD_MM")), now_bone, base_bone, rel, params),
        "BM_RESP": inrc.marrow_response(now, base, params),
    }
    overall = inrc.overall_response(list(components.values()))
    derived.update(components)
    derived["REL_MIBG"] = rel
    derived["OVERALL_RESP"] = overall
    derived["EXTRA_INF_ELIG"] = "Y" if extra_infusion_eligible(overall, now, params) else "N"
    return derived


def extra_infusion_eligible(overall: str, now: Facts, params: Parameters) -> bool:
    """Overall response in ``extra_infusion_min_response``, on an assessment with MIBG and CT/MRI.

    Spec 0 and 4.4 require the response "on MRI + MIBG"; an assessment that records MIBG or cross-sectional
    imaging as not done cannot open the gate.  CT is accepted as cross-sectional imaging (INRC allows CT or
    MRI).
    """
    return (overall in tuple(params["extra_infusion_min_response"])
            and now.mibg_done is not False and now.ctmri_done is not False)


def nadir_of(assessments: Sequence[Mapping[str, Any]], params: Parameters | None = None) -> dict[str, Decimal | None]:
    """Smallest primary longest diameter and target sum of diameters over ``assessments``.

    Pass the baseline and the on-study assessments before the one being derived.  An absent primary or absent
    metastatic disease counts as 0 mm; an assessment without a measurement does not count.
    """
    params = params or REGISTRY
    facts = [facts_of(assessment, params) for assessment in assessments]
    return {
        "PRIM_LD_MM": _smallest(f.primary_size for f in facts),
        "MET_TARGET_SOD_MM": _smallest(f.target_size for f in facts),
    }


def _smallest(values: Any) -> Decimal | None:
    known = [value for value in values if value is not None]
    return min(known) if known else None


def baseline_of(
    assessments: Sequence[Mapping[str, Any]], first_treatment_date: date | str | None
) -> Mapping[str, Any] | None:
    """The last assessment dated on or before the first treatment (any, if not yet treated).

    On the day of first treatment counts as before (dates carry no time; imaging and marrow precede the day's
    dosing - the CDISC "on or before first dose" convention).  Same-date assessments keep their list order.
    """
    start = to_date(first_treatment_date)
    dated = [(to_date(a.get("ASSESS_DT")), index, a) for index, a in enumerate(assessments)]
    eligible = [(d, index, a) for d, index, a in dated if d is not None and (start is None or d <= start)]
    if not eligible:
        return None
    return max(eligible, key=lambda item: (item[0], item[1]))[2]
