"""Protocol parameters: tumour response (revised INRC 2017, spec sections 4 and 5).

The rules are Park JR et al., J Clin Oncol 2017;35(22):2580-2587 as laid out in spec section 4.  The two
places where the published text leaves a gap (spec 4.2 relative MIBG score below 0.1 with residual uptake;
spec 4.3 marrow baseline >5-20 % falling to >0-<=5 %) are ``*_gap_reading`` parameters with
``assumption=True``: the response they are read as, and a soft query is raised either way.
"""
from __future__ import annotations

from decimal import Decimal

from . import Parameter

_VERSION = (
    Parameter(
        "inrc_rule_version", "INRC2017-spec4-v1", "version", "spec 4",
        "Identifies the response rules (revised INRC 2017 as read by spec 4 and 5) stored with every derived "
        "response, so a later rule change is visible in the ledger.",
    ),
)

_SIZE = (
    Parameter(
        "inrc_cr_max_residual_mm", 10, "mm", "spec 4.1 CR; 4.2 CR",
        "CR: residual soft tissue at the primary site < 10 mm (with uptake resolved); for metastatic CR every "
        "non-primary lesion < 10 mm (nodes by short axis), which the site records as MET_ALL_LT10MM.",
    ),
    Parameter(
        "inrc_pr_min_decrease_pct", 30, "%", "spec 4.1 PR; 4.2 PR",
        "PR: decrease of at least 30 % from baseline in the primary longest diameter, or in the sum of "
        "diameters of the non-primary target lesions.",
    ),
    Parameter(
        "inrc_pd_min_increase_pct", 20, "%", "spec 4.1 PD; 4.2 PD",
        "PD: increase of more than 20 % over the smallest value on study (nadir, baseline included) in the "
        "primary longest diameter or the target sum of diameters ...",
    ),
    Parameter(
        "inrc_pd_min_increase_mm", 5, "mm", "spec 4.1 PD; 4.2 PD",
        "... and an absolute increase of at least 5 mm over that nadir.",
    ),
    Parameter(
        "inrc_target_lesions_max", 5, "lesions", "spec 4 (RECIST 1.1)",
        "Target lesion mechanics follow RECIST 1.1: at most 5 target lesions.",
    ),
    Parameter(
        "inrc_target_lesions_max_per_organ", 2, "lesions", "spec 4 (RECIST 1.1)",
        "Target lesion mechanics follow RECIST 1.1: at most 2 target lesions per organ.",
    ),
)

_MIBG = (
    Parameter(
        "mibg_rel_pr_min", Decimal("0.1"), "ratio", "spec 4.2 PR",
        "Metastatic PR bone criterion: relative MIBG bone score >= 0.1 ...",
    ),
    Parameter(
        "mibg_rel_pr_max", Decimal("0.5"), "ratio", "spec 4.2 PR",
        "... and <= 0.5 (at least 50 % reduction of the absolute bone score).",
    ),
    Parameter(
        "mibg_rel_pd_min", Decimal("1.2"), "ratio", "spec 4.2 PD",
        "Metastatic PD: relative MIBG bone score >= 1.2.",
    ),
    Parameter(
        "mibg_rel_gap_reading", "PR", "PR|SD", "spec 4.2 (gap)",
        "0 < relative MIBG bone score < 0.1 with residual uptake is covered by neither CR nor PR in the text. "
        "PR: the bone criterion of PR counts as met (spec reading); SD: it does not. Either way a soft query "
        "asks for central review.",
        assumption=True,
    ),
    Parameter(
        "curie_bone_excludes_soft_tissue", True, "flag", "spec 5.1",
        "The INRC 'bone score' on the Curie scale is the sum of skeletal segments 1-9; segment 10 (soft "
        "tissue) is left out. The spec marks this as an assumption; both totals are stored.",
        assumption=True,
    ),
)

_MARROW = (
    Parameter(
        "bm_md_max_pct", Decimal("5"), "%", "spec 4.3 MD; PD",
        "Marrow minimal disease: infiltration > 0 and <= 5 % (baseline <= 5 %, or baseline 0 %); PD from a "
        "0 % baseline: > 5 %.",
    ),
    Parameter(
        "bm_md_high_baseline_pct", Decimal("20"), "%", "spec 4.3 MD",
        "Marrow MD also from a baseline > 20 % falling to > 0 and <= 5 %.",
    ),
    Parameter(
        "bm_pd_min_pct", Decimal("20"), "%", "spec 4.3 PD",
        "Marrow PD from a positive baseline: more than 2-fold increase and > 20 % on reassessment.",
    ),
    Parameter(
        "bm_pd_min_fold", Decimal("2"), "fold", "spec 4.3 PD",
        "Marrow PD from a positive baseline: increase of more than 2-fold (and > 20 %).",
    ),
    Parameter(
        "bm_gap_reading", "MD", "MD|SD", "spec 4.3 (gap)",
        "Baseline > 5 % and <= 20 % falling to > 0 and <= 5 % is not listed under MD in the text. MD: treat "
        "as minimal disease (spec reading); SD: treat as stable. Either way a soft query is raised.",
        assumption=True,
    ),
    Parameter(
        "bm_pct_decimals", 1, "decimal places", "spec 4.3",
        "Marrow infiltration is recorded as 0-100 % with one decimal.",
    ),
)

_GATE = (
    Parameter(
        "extra_infusion_min_response", ("CR", "PR", "MR"), "INRC overall response", "spec 0; 4.4",
        "CFG.extra_infusion_min_response: infusions 4 and 5 need an overall response in this set on MRI + "
        "MIBG after the 3rd infusion (registry: 'improvement ... confirmed by MRI MIBG').",
        assumption=True,
    ),
)

PARAMETERS: tuple[Parameter, ...] = _VERSION + _SIZE + _MIBG + _MARROW + _GATE
