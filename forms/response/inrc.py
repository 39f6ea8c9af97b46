"""Revised INRC 2017 response (spec 4): component and overall rules, pure functions over typed values.

Every component function returns a response code, or ``None`` when the component is not evaluable: a value
needed to tell the possible responses apart is missing (modality not done, marrow sample inadequate, no
baseline measurement).  PD is decided first wherever the available values already show it, so a missing value
never hides a progression.

Readings chosen where the spec's tables leave room (each also in the docstring of the rule it shapes):

- Sizes compare with exact decimals; percentages are read as relative changes: PR is a decrease of at least
  30 % from baseline (``now <= 0.7 x baseline``); PD is an increase of more than 20 % over the nadir and at
  least 5 mm absolute.  The nadir is the smaller of the ``nadir`` given and the baseline value (the nadir
  includes baseline by definition); an absent primary or absent metastatic disease measures 0.
- Within a component PD is decided first, as in the overall pseudo-code (a lesion can be 30 % below
  baseline and still > 20 % above a lower nadir; a remnant < 10 mm that grew > 20 % and >= 5 mm over its
  nadir is PD, not CR), then CR, then PR, then SD.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from config.protocol import Parameters

from .facts import ZERO, Facts

CR, PR, MR, MD, SD, PD, NI, NE = "CR", "PR", "MR", "MD", "SD", "PD", "NI", "NE"

COMPONENT_CODES = ((CR, "Complete response"), (PR, "Partial response"), (MD, "Minimal disease (marrow)"),
                   (SD, "Stable disease"), (PD, "Progressive disease"), (NI, "Not involved"))
OVERALL_CODES = ((CR, "Complete response"), (PR, "Partial response"), (MR, "Minor response"),
                 (SD, "Stable disease"), (PD, "Progressive disease"), (NE, "Not evaluable"))

UPTAKE_NOT_WORSE = ("RESOLVED", "IMPROVED", "STABLE")
NONTARGET_NOT_WORSE = ("ABSENT", "STABLE_OR_SMALLER")


def _number(params: Parameters, key: str) -> Decimal:
    return Decimal(str(params[key]))


def decreased_enough(baseline: Decimal, now: Decimal, params: Parameters) -> bool:
    """At least the PR decrease (30 %) from ``baseline``; ``baseline`` must be > 0."""
    return (baseline - now) * 100 >= _number(params, "inrc_pr_min_decrease_pct") * baseline


def progressed(nadir: Decimal, now: Decimal, params: Parameters) -> bool:
    """More than 20 % above ``nadir`` and at least 5 mm more (a nadir of 0 needs only the 5 mm)."""
    increase = now - nadir
    return (increase * 100 > _number(params, "inrc_pd_min_increase_pct") * nadir
            and increase >= _number(params, "inrc_pd_min_increase_mm"))


def effective_nadir(given: Decimal | None, baseline: Decimal | None) -> Decimal | None:
    """The smallest known value on study, baseline included."""
    known = [value for value in (given, baseline) if value is not None]
    return min(known) if known else None


def primary_response(now: Facts, base: Facts, nadir: Decimal | None, params: Parameters) -> str | None:
    """Primary tumour response, spec 4.1.

    NI when the primary was absent at baseline (resected, not involved) and is absent now.  A primary present
    at baseline and absent now (resected or gone) measures 0 mm: CR when uptake at the primary site resolved,
    otherwise PR/SD by the uptake rule.  A primary absent at baseline but reported present now is judged
    against a nadir of 0 (PD at >= 5 mm, else SD; the form raises a query).  Increased uptake at the primary
    site is not a PD criterion in the text (PD there is size only); it only withholds PR.
    """
    if base.prim_present is None or now.prim_present is None:
        return None
    size = now.primary_size
    if size is None:
        return None
    reference = effective_nadir(nadir, base.primary_size)
    if not base.prim_present:
        if not now.prim_present:
            return NI
        return PD if progressed(reference if reference is not None else ZERO, size, params) else SD
    if reference is not None and progressed(reference, size, params):
        return PD
    if reference is None and size > 0:
        return None
    if size < _number(params, "inrc_cr_max_residual_mm") and now.prim_uptake == "RESOLVED":
        return CR
    baseline = base.primary_size
    if baseline is None or baseline <= 0:
        return None
    if not decreased_enough(baseline, size, params):
        return SD
    if now.prim_uptake is None:
        return None
    return PR if now.prim_uptake in UPTAKE_NOT_WORSE else SD


def rel_mibg_in_gap(rel: Decimal | None, params: Parameters) -> bool:
    """0 < relative MIBG bone score < 0.1: residual uptake below the PR range (spec 4.2 gap)."""
    return rel is not None and ZERO < rel < _number(params, "mibg_rel_pr_min")


def bone_meets_pr(rel: Decimal, params: Parameters) -> bool:
    """The MIBG bone criterion of metastatic PR (at least 50 % reduction: 0.1 <= relative score <= 0.5).

    A relative score of 0 (bone uptake fully resolved) meets it: the lower bound of 0.1 separates residual
    uptake from resolution, it does not make resolution worse than PR.  Between 0 and 0.1 the configured gap
    reading decides (spec: PR, with a query).
    """
    if rel_mibg_in_gap(rel, params):
        return params["mibg_rel_gap_reading"] == PR
    return rel <= _number(params, "mibg_rel_pr_max") and (
        rel == ZERO or rel >= _number(params, "mibg_rel_pr_min"))


def metastatic_involved(base: Facts, base_bone: int | None) -> bool | None:
    """Metastatic soft tissue or bone disease at baseline: flag Y, or any MIBG-avid bone site."""
    if base.met_present or (base_bone is not None and base_bone > 0):
        return True
    return base.met_present


def metastatic_response(
    now: Facts,
    base: Facts,
    nadir: Decimal | None,
    now_bone: int | None,
    base_bone: int | None,
    rel: Decimal | None,
    params: Parameters,
) -> str | None:
    """Metastatic soft tissue and bone response, spec 4.2.

    ``now_bone``/``base_bone`` are the MIBG bone scores (Curie segments 1-9 or SIOPEN), ``rel`` their ratio
    when both are on the same scale and the baseline score is > 0.

    - PD: a new lesion (``NEW_LESION`` covers new avid or biopsy-proven soft-tissue lesions and new bone
      sites), any MIBG-avid bone site when the baseline bone score was 0, relative score >= 1.2, or target
      sum > 20 % and >= 5 mm above its nadir.  Progression of non-target lesions is not a PD criterion in the
      table; it withholds PR and the form raises a query.
    - NI: no metastatic disease at baseline (``MET_PRESENT`` N, bone score 0 or not scored) and none now.
      Metastatic disease reported now without any PD criterion is SD (the form raises a query).
    - CR: every lesion < 10 mm (or none present) and uptake resolved; when the baseline bone score was > 0,
      the current bone score must be known and 0.
    - PR: each criterion that applies is met (target sum at least 30 % down when there were targets at
      baseline; bone criterion when the baseline bone score was > 0), non-target lesions absent or stable
      or smaller, no new lesion.  With neither targets nor bone disease at baseline (non-target soft tissue
      only) nothing can show PR: SD unless CR.
    """
    if now.new_lesion:
        return PD
    if base_bone is None and base.met_present is False:
        base_bone = 0
    if base_bone == 0 and now_bone is not None and now_bone > 0:
        return PD
    if rel is not None and rel >= _number(params, "mibg_rel_pd_min"):
        return PD
    reference = effective_nadir(nadir, base.target_size)
    size = now.target_size
    if reference is not None and size is not None and progressed(reference, size, params):
        return PD
    involved = metastatic_involved(base, base_bone)
    if now.new_lesion is None or involved is None:
        return None
    if not involved:
        if now.met_present is None:
            return None
        return SD if now.met_present else NI
    bone_at_baseline = base_bone is not None and base_bone > 0
    lesions_small = now.all_lt10 is True or now.met_present is False
    bone_clear = now_bone == 0 if bone_at_baseline else now_bone in (None, 0)
    if lesions_small and now.uptake_resolved is True and bone_clear:
        return CR
    criteria: list[bool] = []
    if base.target_sum is not None and base.target_sum > 0:
        if size is None:
            return None
        criteria.append(decreased_enough(base.target_sum, size, params))
    if bone_at_baseline:
        if rel is None:
            return None
        criteria.append(bone_meets_pr(rel, params))
    if not criteria or not all(criteria):
        return SD
    if now.met_present is False or now.nontarget in NONTARGET_NOT_WORSE:
        return PR
    return SD if now.nontarget is not None else None


def marrow_pct(facts: Facts) -> Decimal | None:
    """Highest % infiltration, ``None`` when marrow was not done or the sample is inadequate."""
    if facts.bm_done is False or facts.bm_adequate is False:
        return None
    return facts.bm_pct


def marrow_in_gap(base: Decimal | None, now: Decimal | None, params: Parameters) -> bool:
    """Baseline > 5 % and <= 20 % falling to > 0 and <= 5 %: not listed under MD in the text (spec 4.3 gap)."""
    if base is None or now is None:
        return False
    md_max = _number(params, "bm_md_max_pct")
    return md_max < base <= _number(params, "bm_md_high_baseline_pct") and ZERO < now <= md_max


def marrow_response(now: Facts, base: Facts, params: Parameters) -> str | None:
    """Bone marrow response, spec 4.3, on the highest % infiltration across sites.

    Not evaluable when marrow was not done, the sample is inadequate, or the % is missing.  0 % now is NI
    when baseline was 0 %, otherwise CR (irrespective of baseline, even when the baseline % is unknown).
    From a 0 % baseline: > 5 % is PD, > 0-5 % MD.  From a positive baseline: PD when more than 2-fold and
    > 20 %; MD when now > 0-5 % and baseline <= 5 % or > 20 %; baseline > 5-20 % to > 0-5 % takes the gap
    reading (spec: MD, with a query); SD otherwise (still > 5 %).
    """
    current = marrow_pct(now)
    if current is None:
        return None
    baseline = marrow_pct(base)
    if current == 0:
        return NI if baseline == 0 else CR
    if baseline is None:
        return None
    md_max = _number(params, "bm_md_max_pct")
    if baseline == 0:
        return PD if current > md_max else MD
    if current > _number(params, "bm_pd_min_fold") * baseline and current > _number(params, "bm_pd_min_pct"):
        return PD
    if current <= md_max:
        if marrow_in_gap(baseline, current, params):
            return str(params["bm_gap_reading"])
        return MD
    return SD


def overall_response(components: Sequence[str | None]) -> str:
    """Overall response from the component responses, spec 4.4 pseudo-code in its order.

    A component that is not evaluable (``None``) makes the overall response NE unless another component is
    PD (RECIST convention; INRC 2017 combines all three components).  CR needs at least one component CR:
    all NI means nothing was evaluated ("at least one component evaluated").
    """
    if PD in components:
        return PD
    if any(c is None for c in components):
        return NE
    if all(c in (CR, NI) for c in components) and CR in components:
        return CR
    if any(c in (PR, CR) for c in components) and SD in components:
        return MR
    if PR in components and all(c in (CR, PR, MD, NI) for c in components):
        return PR
    if any(c in (CR, PR) for c in components) and MD in components:
        return PR
    if SD in components:
        return SD
    return NE
