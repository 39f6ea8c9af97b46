"""eCRF: tumour assessment (123I-MIBG, CT/MRI, FDG-PET, bone marrow) with the INRC 2017 response derived.

Totals, the relative MIBG score and every response are derived (spec 4 and 5), never typed; the rules live in
:mod:`forms.response`.  ``context``: ``baseline`` (the same fields at the pre-treatment assessment; absent for
the baseline assessment itself) and ``nadir`` (``PRIM_LD_MM``, ``MET_TARGET_SOD_MM``: smallest on study,
baseline included).  Context values may be strings or numbers.
"""
from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any, Mapping

from config.protocol import REGISTRY, Parameters

from .core import Check, CheckContext, CheckResult, Field, FormDef
from .response import derive_response, inrc, mibg
from .response.facts import Facts, facts_of, lesion_names

_ASSESS = "Assessment"
_MODALITY = "Modalities"
_MIBG = "123I-MIBG scores"
_PRIMARY = "Primary tumour"
_METS = "Metastatic soft tissue and bone"
_LESIONS = "Target lesions"
_MARROW = "Bone marrow"
_DERIVED = "Derived response"

_MM_MAX = Decimal(999)
_CR_MM = REGISTRY["inrc_cr_max_residual_mm"]
_SUM_MAX = Decimal(4995)


def _modality_fields(prefix: str, name: str, clause: str) -> tuple[Field, ...]:
    return (
        Field(f"{prefix}_DONE", f"{name} done", "yesno", clause, section=_MODALITY),
        Field(f"{prefix}_DT", f"{name} date", "date", clause, required=False, section=_MODALITY,
              help=f"Required when {name} was done."),
    )


def _curie_fields() -> tuple[Field, ...]:
    regions = ("skull, head and face", "cervical and thoracic spine", "ribs, sternum, clavicles, scapulae",
               "lumbar and sacral spine", "pelvis", "upper arms", "forearms and hands", "femurs",
               "lower legs and feet", "soft tissue")
    return tuple(
        Field(name, f"Curie segment {n}: {region}", "integer", "spec 5.1", min=0, max=mibg.CURIE_SEGMENT_MAX,
              required=False, section=_MIBG, help="0 no site, 1 one site, 2 more than one site, 3 diffuse (> 50 %).")
        for n, (name, region) in enumerate(zip(mibg.curie_names(), regions), start=1)
    )


def _siopen_fields() -> tuple[Field, ...]:
    regions = ("skull", "thoracic cage", "proximal right upper limb", "distal right upper limb",
               "proximal left upper limb", "distal left upper limb", "spine", "pelvis",
               "proximal right lower limb", "distal right lower limb", "proximal left lower limb",
               "distal left lower limb")
    return tuple(
        Field(name, f"SIOPEN segment {n}: {region}", "integer", "spec 5.2", min=0, max=mibg.SIOPEN_SEGMENT_MAX,
              required=False, section=_MIBG,
              help="0 none; 1-3 discrete lesions; 4 > 3 foci or diffuse < 50 %; 5 diffuse 50-95 %; 6 entire bone.")
        for n, (name, region) in enumerate(zip(mibg.siopen_names(), regions), start=1)
    )


def _lesion_fields(params: Parameters) -> tuple[Field, ...]:
    fields: list[Field] = []
    for n, (organ, node, diameter) in enumerate(lesion_names(params), start=1):
        fields += [
            Field(organ, f"Target lesion {n}: organ", "text", "spec 4 (RECIST 1.1)", required=False,
                  max_length=60, section=_LESIONS,
                  help=f"At most {params['inrc_target_lesions_max_per_organ']} target lesions per organ."),
            Field(node, f"Target lesion {n}: lymph node", "yesno", "spec 4 (RECIST 1.1)", required=False,
                  section=_LESIONS),
            Field(diameter, f"Target lesion {n}: diameter", "decimal", "spec 4 (RECIST 1.1)", unit="mm",
                  min=Decimal(0), max=_MM_MAX, required=False, section=_LESIONS,
                  help="Longest diameter; short axis for a lymph node."),
        ]
    return tuple(fields)


def _derived_fields() -> tuple[Field, ...]:
    def derived(name: str, label: str, type_: Any, clause: str, **extra: Any) -> Field:
        return Field(name, label, type_, clause, required=False, derived=True, section=_DERIVED, **extra)

    return (
        derived("CURIE_TOTAL", "Curie score, total", "integer", "spec 5.1"),
        derived("CURIE_BONE", "Curie bone score (segments 1-9)", "integer", "spec 5.1"),
        derived("SIOPEN_TOTAL", "SIOPEN score, total", "integer", "spec 5.2"),
        derived("LES_SUM_MM", "Sum of target lesion diameters", "decimal", "spec 4.2", unit="mm"),
        derived("REL_MIBG", "Relative MIBG bone score", "decimal", "spec 4.2",
                help="Bone score now / bone score at baseline, same scoring method."),
        derived("PRIM_RESP", "Primary tumour response", "code", "spec 4.1", codes=inrc.COMPONENT_CODES),
        derived("MET_RESP", "Metastatic soft tissue and bone response", "code", "spec 4.2",
                codes=inrc.COMPONENT_CODES),
        derived("BM_RESP", "Bone marrow response", "code", "spec 4.3", codes=inrc.COMPONENT_CODES),
        derived("OVERALL_RESP", "Overall response (INRC 2017)", "code", "spec 4.4", codes=inrc.OVERALL_CODES),
        derived("RESP_RULE_VERSION", "Response rule version", "text", "spec 4"),
        derived("EXTRA_INF_ELIG", "Response allows infusions 4 and 5", "yesno", "spec 4.4",
                help="Overall response in the protocol's set, on an assessment with MIBG and CT/MRI."),
    )


FIELDS: tuple[Field, ...] = (
    Field("ASSESS_DT", "Assessment date", "date", "spec 4", section=_ASSESS),
    Field("ASSESS_TYPE", "Assessment type", "code", "spec 4",
          codes=(("BASELINE", "Baseline (before treatment)"), ("RESPONSE", "Response assessment")), section=_ASSESS),
    Field("ASSESS_NO", "Response assessment number", "integer", "spec 4", min=1, max=50, required=False,
          section=_ASSESS, help="Required for a response assessment."),
    *_modality_fields("MIBG", "123I-MIBG scan", "spec 4.2; 5"),
    Field("MIBG_SCAN_TYPE", "MIBG scan type", "code", "spec 4.2", required=False, section=_MODALITY,
          codes=(("PLANAR", "Planar"), ("PLANAR_SPECT", "Planar + SPECT"), ("SPECT_CT", "SPECT/CT"))),
    *_modality_fields("CTMRI", "CT or MRI", "spec 4.1; 4.2"),
    Field("CTMRI_MODALITY", "Cross-sectional imaging", "code", "spec 4.1", required=False, section=_MODALITY,
          codes=(("CT", "CT"), ("MRI", "MRI"))),
    *_modality_fields("PET", "FDG-PET (MIBG-non-avid disease)", "spec 4"),
    *_modality_fields("BM", "Bone marrow aspirates and trephines", "spec 4.3"),
    Field("MIBG_SCORE_METHOD", "MIBG scoring method", "code", "spec 5.2", codes=mibg.METHODS, required=False,
          section=_MIBG, help="Must be the method used at baseline."),
    *_curie_fields(),
    *_siopen_fields(),
    Field("PRIM_PRESENT", "Primary tumour present", "yesno", "spec 4.1", section=_PRIMARY),
    Field("PRIM_LD_MM", "Primary tumour longest diameter", "decimal", "spec 4.1", unit="mm", min=Decimal(0),
          max=_MM_MAX, required=False, section=_PRIMARY, help="Sum of longest diameters when multifocal."),
    Field("PRIM_UPTAKE", "Uptake at the primary site (MIBG, or FDG if non-avid)", "code", "spec 4.1",
          required=False, section=_PRIMARY,
          codes=(("RESOLVED", "Resolved"), ("IMPROVED", "Improved"), ("STABLE", "Stable"), ("INCREASED", "Increased"))),
    Field("MET_PRESENT", "Metastatic soft tissue or bone disease present", "yesno", "spec 4.2", section=_METS),
    Field("MET_TARGET_SOD_MM", "Sum of target lesion diameters", "decimal", "spec 4.2", unit="mm",
          min=Decimal(0), max=_SUM_MAX, required=False, section=_METS,
          help="Derived from the target lesions when they are listed; must match them if both are given."),
    Field("MET_ALL_LT10MM", f"Every non-primary lesion < {_CR_MM} mm (nodes by short axis)", "yesno", "spec 4.2",
          required=False, section=_METS),
    Field("MET_NONTARGET", "Non-target lesions", "code", "spec 4.2", required=False, section=_METS,
          codes=(("ABSENT", "Absent"), ("STABLE_OR_SMALLER", "Stable or smaller"), ("PROGRESSION", "Progression"))),
    Field("MET_UPTAKE_RESOLVED", "Uptake of non-primary lesions completely resolved", "yesno", "spec 4.2",
          required=False, section=_METS),
    Field("NEW_LESION", "New lesion (MIBG- or FDG-avid soft tissue, or new bone site)", "yesno", "spec 4.2",
          section=_METS),
    *_lesion_fields(REGISTRY),
    Field("BM_PCT", "Highest tumour infiltration across marrow sites", "decimal", "spec 4.3", unit="%",
          min=Decimal(0), max=Decimal(100), required=False, section=_MARROW,
          help=f"0-100 %, at most {REGISTRY['bm_pct_decimals']} decimal."),
    Field("BM_ADEQUATE", "Marrow samples adequate", "yesno", "spec 4.3", required=False, section=_MARROW),
    *_derived_fields(),
)


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Parameters) -> dict[str, Any]:
    return derive_response(values, context.get("baseline"), context.get("nadir"), params)


def _baseline(ctx: CheckContext) -> Facts | None:
    baseline = ctx.context.get("baseline")
    return facts_of(baseline, ctx.params) if baseline else None


def _now(ctx: CheckContext) -> Facts:
    return facts_of(ctx.values, ctx.params, stored_totals=False)


def _date_not_before_baseline(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    if base is None or base.assess_date is None or ctx.get("ASSESS_DT") >= base.assess_date:
        return None
    return f"The assessment date {ctx.get('ASSESS_DT')} is before the baseline assessment ({base.assess_date})."


def _method_as_baseline(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    now = mibg.scoring_method(ctx.values)
    if base is None or base.method is None or now is None or now == base.method:
        return None
    return f"MIBG was scored with {now} but with {base.method} at baseline: use the baseline's method."


def _scan_as_baseline(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    return base is None or base.scan_type is None or ctx.get("MIBG_SCAN_TYPE") == base.scan_type


def _lesions_per_organ(ctx: CheckContext) -> CheckResult:
    limit = int(ctx.params["inrc_target_lesions_max_per_organ"])
    organs = Counter(
        " ".join(str(ctx.get(organ)).split()).casefold()
        for organ, _, _ in lesion_names(ctx.params) if ctx.get(organ)
    )
    crowded = sorted(organ for organ, count in organs.items() if count > limit)
    if not crowded:
        return None
    return f"More than {limit} target lesions in: {', '.join(crowded)}. Choose at most {limit} per organ."


def _lesions_complete(ctx: CheckContext) -> CheckResult:
    incomplete = [
        str(n) for n, names in enumerate(lesion_names(ctx.params), start=1)
        if any(ctx.get(name) is not None for name in names) and any(ctx.get(name) is None for name in names)
    ]
    if not incomplete:
        return None
    return f"Target lesion {', '.join(incomplete)}: give organ, lymph node (yes/no) and diameter."


def _lesion_sum_matches(ctx: CheckContext) -> CheckResult:
    if ctx.get("LES_SUM_MM") == ctx.get("MET_TARGET_SOD_MM"):
        return None
    return (f"The sum of diameters entered ({ctx.get('MET_TARGET_SOD_MM')} mm) differs from the sum of the "
            f"target lesions listed ({ctx.get('LES_SUM_MM')} mm).")


def _all_or_none(names: tuple[str, ...], score: str) -> Any:
    def test(ctx: CheckContext) -> CheckResult:
        given = sum(1 for name in names if ctx.values.get(name) is not None)
        if given in (0, len(names)):
            return None
        return f"{score}: {given} of {len(names)} segments scored. Score every segment (0 where no uptake)."
    return test


def _scores_needed(ctx: CheckContext) -> CheckResult:
    method = ctx.get("MIBG_SCORE_METHOD")
    wanted = {"CURIE": (mibg.curie_names(),), "SIOPEN": (mibg.siopen_names(),),
              "BOTH": (mibg.curie_names(), mibg.siopen_names())}.get(method, ())
    return all(mibg.entered_segments(ctx.values, names) > 0 for names in wanted)


def _not_done_but_scored(ctx: CheckContext) -> CheckResult:
    return mibg.entered_segments(ctx.values, mibg.curie_names() + mibg.siopen_names()) == 0


def _date_needed(prefix: str) -> Any:
    return lambda ctx: ctx.get(f"{prefix}_DONE") != "Y" or ctx.get(f"{prefix}_DT") is not None


def _bm_pct_precision(ctx: CheckContext) -> CheckResult:
    places = int(ctx.params["bm_pct_decimals"])
    value: Decimal = ctx.get("BM_PCT")
    return value == value.quantize(Decimal(1).scaleb(-places))


def _rel_mibg_gap(ctx: CheckContext) -> CheckResult:
    if not inrc.rel_mibg_in_gap(ctx.get("REL_MIBG"), ctx.params) or ctx.get("MET_RESP") == inrc.PD:
        return None
    return (f"Relative MIBG bone score {ctx.get('REL_MIBG'):.3f} is above 0 but below the PR range: read as "
            f"{ctx.params['mibg_rel_gap_reading']} for now. Please send the scans for central review.")


def _marrow_gap(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    if base is None or not inrc.marrow_in_gap(inrc.marrow_pct(base), inrc.marrow_pct(_now(ctx)), ctx.params):
        return None
    return (f"Marrow infiltration fell from {base.bm_pct} % to {ctx.get('BM_PCT')} %: the INRC text does not "
            f"classify this; read as {ctx.params['bm_gap_reading']} for now. Please confirm on central review.")


def _primary_reappeared(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    if ctx.get("PRIM_RESP") is None or base is None:
        return None
    return base.prim_present is not False or _now(ctx).prim_present is not True


def _metastases_new_without_pd(ctx: CheckContext) -> CheckResult:
    base = _baseline(ctx)
    if base is None or ctx.get("MET_RESP") in (inrc.PD, None) or _now(ctx).met_present is not True:
        return None
    return inrc.metastatic_involved(base, base.bone_score) is not False


def _nontarget_progression(ctx: CheckContext) -> CheckResult:
    return ctx.get("MET_NONTARGET") != "PROGRESSION" or ctx.get("MET_RESP") in (inrc.PD, None)


def _baseline_missing(ctx: CheckContext) -> CheckResult:
    return ctx.get("ASSESS_TYPE") != "RESPONSE" or bool(ctx.context.get("baseline"))


def _is_baseline(ctx: CheckContext) -> bool:
    return ctx.get("ASSESS_TYPE") == "BASELINE"


def _primary_uptake_needed(ctx: CheckContext) -> CheckResult:
    if _is_baseline(ctx):
        return None
    base = _baseline(ctx)
    involved = ctx.get("PRIM_PRESENT") == "Y" or (base is not None and base.prim_present is True)
    return not involved or ctx.get("PRIM_UPTAKE") is not None


def _bone_score(ctx: CheckContext) -> int | None:
    return _now(ctx).bone_score


_MET_DETAIL = ("MET_ALL_LT10MM", "MET_NONTARGET", "MET_UPTAKE_RESOLVED")

CHECKS: tuple[Check, ...] = (
    Check("TA.DATE_NOT_BEFORE_BASELINE", "hard", ("ASSESS_DT",),
          "ASSESS_DT >= baseline ASSESS_DT (context baseline).",
          "The assessment date cannot be before the baseline assessment.", "spec 4",
          _date_not_before_baseline, needs=("ASSESS_DT",)),
    Check("TA.MIBG_METHOD_AS_BASELINE", "hard", ("MIBG_SCORE_METHOD",),
          "MIBG_SCORE_METHOD = baseline MIBG_SCORE_METHOD. When blank, the method is read from the segments "
          "entered (Curie, SIOPEN or both).",
          "Score MIBG with the method used at baseline.", "spec 5.2", _method_as_baseline),
    Check("TA.MIBG_SCAN_AS_BASELINE", "soft", ("MIBG_SCAN_TYPE",),
          "MIBG_SCAN_TYPE = baseline MIBG_SCAN_TYPE (relative score needs the same scan type).",
          "The MIBG scan type differs from baseline; the relative score assumes the same scan type. Please "
          "confirm.", "spec 4.2", _scan_as_baseline, needs=("MIBG_SCAN_TYPE",)),
    Check("TA.PRIM_LD_WHEN_PRESENT", "hard", ("PRIM_PRESENT", "PRIM_LD_MM"),
          "PRIM_PRESENT = Y requires PRIM_LD_MM.",
          "Enter the longest diameter of the primary tumour (sum when multifocal).", "spec 4.1",
          lambda ctx: ctx.get("PRIM_PRESENT") != "Y" or ctx.get("PRIM_LD_MM") is not None),
    Check("TA.PRIM_LD_WHEN_ABSENT", "soft", ("PRIM_PRESENT", "PRIM_LD_MM"),
          "PRIM_PRESENT = N with PRIM_LD_MM > 0 (the diameter is ignored: an absent primary measures 0 mm).",
          "A primary tumour diameter is entered but the primary is recorded as absent. Please correct one.",
          "spec 4.1", lambda ctx: ctx.get("PRIM_PRESENT") != "N" or not ctx.get("PRIM_LD_MM"),
          needs=("PRIM_PRESENT",)),
    Check("TA.PRIM_UPTAKE_NEEDED", "soft", ("PRIM_UPTAKE",),
          "Response assessments: PRIM_UPTAKE required when the primary is present now or was present at "
          "baseline (CR needs resolved uptake, PR needs stable, improved or resolved uptake).",
          "Record uptake at the primary site (MIBG, or FDG-PET if non-avid).", "spec 4.1",
          _primary_uptake_needed),
    Check("TA.PRIM_REAPPEARED", "soft", ("PRIM_PRESENT", "PRIM_LD_MM"),
          "Primary absent at baseline and present now: judged against a nadir of 0 mm (PD when >= 5 mm, else "
          "SD). Query to confirm, and to record a new lesion if it is one.",
          "A primary tumour is recorded although none was present at baseline. Please confirm, and record it as "
          "a new lesion if it is one.", "spec 4.1", _primary_reappeared),
    Check("TA.MET_DETAIL_NEEDED", "soft", _MET_DETAIL,
          f"Response assessments: MET_PRESENT = Y requires {', '.join(_MET_DETAIL)} (they describe change, so "
          "not at baseline).",
          "Metastatic disease is present: record whether every lesion is below the CR size, the non-target "
          "lesions and whether uptake resolved.", "spec 4.2",
          lambda ctx: _is_baseline(ctx) or ctx.get("MET_PRESENT") != "Y"
          or all(ctx.get(n) is not None for n in _MET_DETAIL)),
    Check("TA.MET_ABSENT_BUT_BONE_UPTAKE", "soft", ("MET_PRESENT", "CURIE_SEG1", "SIOPEN_SEG1"),
          "MET_PRESENT = N with an MIBG bone score > 0 (MIBG-avid bone sites are metastases).",
          "MIBG shows bone uptake but metastatic disease is recorded as absent. Please correct one.", "spec 4.2",
          lambda ctx: ctx.get("MET_PRESENT") != "N" or not _bone_score(ctx)),
    Check("TA.UPTAKE_RESOLVED_BUT_BONE_SCORE", "soft", ("MET_UPTAKE_RESOLVED", "CURIE_SEG1", "SIOPEN_SEG1"),
          "MET_UPTAKE_RESOLVED = Y with an MIBG bone score > 0 (metastatic CR then needs a bone score of 0).",
          "Uptake is recorded as resolved but the MIBG bone score is above 0. Please correct one.", "spec 4.2",
          lambda ctx: ctx.get("MET_UPTAKE_RESOLVED") != "Y" or not _bone_score(ctx)),
    Check("TA.MET_NEW_WITHOUT_PD", "soft", ("MET_PRESENT", "NEW_LESION"),
          "No metastatic disease at baseline, MET_PRESENT = Y now, and no PD criterion met (NEW_LESION not Y): "
          "MET_RESP is SD until NEW_LESION is confirmed.",
          "Metastatic disease is recorded now but not at baseline, and no new lesion is recorded. Please confirm "
          "NEW_LESION.", "spec 4.2", _metastases_new_without_pd),
    Check("TA.NONTARGET_PROGRESSION", "soft", ("MET_NONTARGET",),
          "MET_NONTARGET = PROGRESSION without another PD criterion: not a PD criterion in INRC 2017 (spec 4.2), "
          "it only withholds PR. Query for central review.",
          "Non-target lesions progressed but no INRC progression criterion is met. Please send for central "
          "review.", "spec 4.2", _nontarget_progression),
    Check("TA.REL_MIBG_GAP", "soft", ("CURIE_SEG1", "SIOPEN_SEG1"),
          "0 < REL_MIBG < mibg_rel_pr_min (residual bone uptake below the PR range) is not covered by the INRC "
          "text: the bone criterion is read as mibg_rel_gap_reading (spec: PR) and central review is queried. "
          "Not raised when MET_RESP is PD.",
          "Relative MIBG bone score below the PR range with residual uptake. Please send for central review.",
          "spec 4.2", _rel_mibg_gap, needs=("REL_MIBG",)),
    Check("TA.BM_GAP", "soft", ("BM_PCT",),
          "Baseline BM_PCT > bm_md_max_pct and <= bm_md_high_baseline_pct, now > 0 and <= bm_md_max_pct: not "
          "listed under MD in the INRC text; read as bm_gap_reading (spec: MD) and queried.",
          "Marrow infiltration fell into a range the INRC text does not classify. Please confirm on central "
          "review.", "spec 4.3", _marrow_gap, needs=("BM_PCT", "BM_RESP")),
    Check("TA.LESIONS_COMPLETE", "hard", tuple(n for names in lesion_names(REGISTRY) for n in names),
          "A target lesion with any of organ, node, diameter needs all three.",
          "Give organ, lymph node (yes/no) and diameter for each target lesion.", "spec 4 (RECIST 1.1)",
          _lesions_complete),
    Check("TA.LESIONS_PER_ORGAN", "hard", tuple(organ for organ, _, _ in lesion_names(REGISTRY)),
          "At most inrc_target_lesions_max_per_organ target lesions with the same organ (case and spacing "
          "ignored).",
          "Too many target lesions in one organ (RECIST 1.1 limit).", "spec 4 (RECIST 1.1)", _lesions_per_organ),
    Check("TA.LESION_SUM_MATCHES", "hard", ("MET_TARGET_SOD_MM",),
          "When target lesions are listed and MET_TARGET_SOD_MM is entered: MET_TARGET_SOD_MM = sum of LESn_DIAM_MM.",
          "The sum of diameters must equal the sum of the target lesions listed.", "spec 4.2",
          _lesion_sum_matches, needs=("LES_SUM_MM", "MET_TARGET_SOD_MM")),
    Check("TA.CURIE_COMPLETE", "hard", mibg.curie_names(),
          "CURIE_SEG1..10: all scored or none (a partial Curie score cannot be totalled).",
          "Score every Curie segment (0 where no uptake).", "spec 5.1",
          _all_or_none(mibg.curie_names(), "Curie score")),
    Check("TA.SIOPEN_COMPLETE", "hard", mibg.siopen_names(),
          "SIOPEN_SEG1..12: all scored or none (a partial SIOPEN score cannot be totalled).",
          "Score every SIOPEN segment (0 where no uptake).", "spec 5.2",
          _all_or_none(mibg.siopen_names(), "SIOPEN score")),
    Check("TA.MIBG_METHOD_NEEDED", "soft", ("MIBG_SCORE_METHOD",),
          "MIBG_DONE = Y requires MIBG_SCORE_METHOD.",
          "Record how the MIBG scan was scored (Curie, SIOPEN or both).", "spec 5.2",
          lambda ctx: ctx.get("MIBG_DONE") != "Y" or ctx.get("MIBG_SCORE_METHOD") is not None),
    Check("TA.MIBG_SCORES_NEEDED", "soft", ("MIBG_SCORE_METHOD", "CURIE_SEG1", "SIOPEN_SEG1"),
          "MIBG_SCORE_METHOD CURIE/SIOPEN/BOTH requires that method's segments.",
          "Enter the segment scores of the scoring method chosen.", "spec 5.1; 5.2",
          _scores_needed, needs=("MIBG_SCORE_METHOD",)),
    Check("TA.MIBG_NOT_DONE_BUT_SCORED", "soft", ("MIBG_DONE", "CURIE_SEG1", "SIOPEN_SEG1"),
          "MIBG_DONE = N with segment scores entered.",
          "MIBG segment scores are entered but the scan is recorded as not done. Please correct one.", "spec 5",
          lambda ctx: ctx.get("MIBG_DONE") != "N" or _not_done_but_scored(ctx)),
    *(
        Check(f"TA.{prefix}_DT_NEEDED", "soft", (f"{prefix}_DONE", f"{prefix}_DT"),
              f"{prefix}_DONE = Y requires {prefix}_DT.", f"Enter the date of the {name}.", clause,
              _date_needed(prefix))
        for prefix, name, clause in (("MIBG", "MIBG scan", "spec 4.2"), ("CTMRI", "CT or MRI", "spec 4.1"),
                                     ("PET", "FDG-PET", "spec 4"), ("BM", "bone marrow sampling", "spec 4.3"))
    ),
    Check("TA.BM_PCT_NEEDED", "soft", ("BM_DONE", "BM_PCT", "BM_ADEQUATE"),
          "BM_DONE = Y requires BM_PCT and BM_ADEQUATE.",
          "Record the highest marrow infiltration and whether the samples were adequate.", "spec 4.3",
          lambda ctx: ctx.get("BM_DONE") != "Y" or (ctx.get("BM_PCT") is not None
                                                     and ctx.get("BM_ADEQUATE") is not None)),
    Check("TA.BM_PCT_WHEN_NOT_DONE", "soft", ("BM_DONE", "BM_PCT"),
          "BM_DONE = N with BM_PCT entered (the % is not used).",
          "A marrow % is entered but marrow is recorded as not done. Please correct one.", "spec 4.3",
          lambda ctx: ctx.get("BM_DONE") != "N", needs=("BM_PCT",)),
    Check("TA.BM_PCT_PRECISION", "hard", ("BM_PCT",),
          "BM_PCT has at most bm_pct_decimals decimal places.",
          "Enter the marrow infiltration with no more decimals than the protocol records.", "spec 4.3",
          _bm_pct_precision, needs=("BM_PCT",)),
    Check("TA.ASSESS_NO_NEEDED", "soft", ("ASSESS_TYPE", "ASSESS_NO"),
          "ASSESS_TYPE = RESPONSE requires ASSESS_NO.",
          "Enter the response assessment number.", "spec 4",
          lambda ctx: ctx.get("ASSESS_TYPE") != "RESPONSE" or ctx.get("ASSESS_NO") is not None),
    Check("TA.BASELINE_MISSING", "soft", ("ASSESS_TYPE",),
          "ASSESS_TYPE = RESPONSE without a baseline assessment: no response can be derived (OVERALL_RESP NE).",
          "No baseline assessment is recorded, so no response can be derived. Please enter the baseline first.",
          "spec 4", _baseline_missing),
)

FORMS: tuple[FormDef, ...] = (
    FormDef(
        key="tumour_assessment",
        version=1,
        title="Tumour assessment",
        fields=FIELDS,
        checks=CHECKS,
        derive=_derive,
        repeating=True,
        clause="spec 4; 5",
        description="MIBG (Curie, SIOPEN), CT/MRI, FDG-PET and bone marrow, with the INRC 2017 response derived.",
    ),
)
