"""The eligibility criteria of spec section 1.2 as three-valued assessments of one screening payload.

Each function reads a :class:`forms.core.CheckContext` and returns a :class:`Verdict`: met, failed with
a message for clinical staff (criterion id, the reading applied, the actual values), or not assessable
with the names of what is missing.  Thresholds come from ``ctx.params`` only.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Callable, Mapping

from forms.core import CheckContext

from .conditions import organ_toxicities
from .dates import Unreadable, as_decimal, context_date
from .drugs import matches
from .medications import cyp3a4_exposures, log_is_unreadable, read_conmeds, steroid_exposure
from .renal import creatinine_maximum
from .show import show, show_list
from .verdict import MET, Verdict, all_met, any_met, fails, unknown

CONSENT_PRECEDES = ("LAB_DT", "PLT_DT", "CREAT_DT", "ECHO_DT", "MIBG_DT", "CTMRI_DT", "PET_DT")
"""Dates of study-specific screening procedures that guardian consent must precede (E15)."""


def _atom(ctx: CheckContext, name: str, predicate: Callable[[Any], bool]) -> Verdict:
    value = ctx.get(name)
    if value is None:
        return unknown(name)
    return MET if predicate(value) else fails(name)


def _decide(verdict: Verdict, message: str) -> Verdict:
    return fails(message) if verdict.failed else verdict


def _is(ctx: CheckContext, name: str, *codes: str) -> Verdict:
    return _atom(ctx, name, lambda value: value in codes)


def enrolment_date_in(context: Mapping[str, Any]) -> date | None:
    """The planned enrolment date of the harness context, or ``None`` when absent or unreadable."""
    try:
        return context_date(context.get("ENRLDT"))
    except Unreadable:
        return None


def enrolment_date(ctx: CheckContext) -> date | None:
    return enrolment_date_in(ctx.context)


def _p(ctx: CheckContext, key: str) -> Decimal:
    return as_decimal(ctx.params[key])


# --- AGE, inclusion ------------------------------------------------------------------------------

def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def age_upper_limit(params: Any) -> int:
    return int(params["age_max_years"]) - (0 if params["age_max_inclusive"] else 1)


def age(ctx: CheckContext) -> Verdict:
    birth, consent, years = ctx.get("BRTHDTC"), ctx.get("ICDTC"), ctx.get("AGE_Y")
    if birth is None or consent is None:
        return unknown(*(n for n, v in (("BRTHDTC", birth), ("ICDTC", consent)) if v is None))
    low, high = int(ctx.params["age_min_years"]), age_upper_limit(ctx.params)
    if birth > consent:
        return fails(f"Date of birth {show(birth)} is after the consent date {show(consent)} (AGE): correct either date.")
    if low <= years <= high:
        return MET
    return fails(
        f"Age at consent {years} y outside {low}–{high} y (AGE): born {show(birth)}, consent {show(consent)}; "
        f"eligible from the {ordinal(low)} birthday until the day before the {ordinal(high + 1)} birthday."
    )


def _refractory_to_induction(ctx: CheckContext) -> Verdict:
    return all_met([
        _atom(ctx, "INDUCT_CYC_N", lambda n: n >= int(ctx.params["induct_min_cycles"])),
        _is(ctx, "INDUCT_RESP", *ctx.params["refractory_responses"]),
    ])


def _relapsed_after_intensive_therapy(ctx: CheckContext) -> Verdict:
    return all_met([
        _is(ctx, "DIS_STATUS", "RELAPSED", "PROGRESSIVE"),
        any_met([_is(ctx, "PRIOR_ASCT", "Y"), _is(ctx, "PRIOR_AGGR_THER", "Y")], "no ASCT or aggressive therapy"),
    ])


def relapsed_or_refractory(ctx: CheckContext) -> Verdict:
    high_risk = _is(ctx, "INRG_RISK", "HIGH")
    if ctx.params["i1_i2_reading"] == "BOTH":
        disease = all_met([_refractory_to_induction(ctx), _relapsed_after_intensive_therapy(ctx)])
        reading = "registry literal: refractory to induction AND relapsed after ASCT/aggressive therapy"
    else:
        refractory = all_met([_is(ctx, "DIS_STATUS", "REFRACTORY"), _refractory_to_induction(ctx)])
        disease = any_met([refractory, _relapsed_after_intensive_therapy(ctx)], "neither branch")
        reading = "P13: relapsed OR refractory"
    return _decide(
        all_met([high_risk, disease]),
        f"Not relapsed/refractory high-risk NB per I1/I2 ({reading}): INRG risk {show(ctx.get('INRG_RISK'))}, "
        f"status {show(ctx.get('DIS_STATUS'))}, {show(ctx.get('INDUCT_CYC_N'))} induction cycles (at least "
        f"{ctx.params['induct_min_cycles']} needed), response {show(ctx.get('INDUCT_RESP'))} (refractory means "
        f"{'/'.join(ctx.params['refractory_responses'])}), prior ASCT {show(ctx.get('PRIOR_ASCT'))}, prior aggressive "
        f"therapy {show(ctx.get('PRIOR_AGGR_THER'))}.",
    )


def life_expectancy(ctx: CheckContext) -> Verdict:
    minimum = int(ctx.params["life_expectancy_min_months"])
    return _decide(
        _atom(ctx, "LIFE_EXP_M", lambda months: months >= minimum),
        f"Life expectancy {show(ctx.get('LIFE_EXP_M'))} months is below {minimum} months (I3).",
    )


def _catecholamine_above_uln(ctx: CheckContext) -> Verdict:
    def above(value: str, limit: str) -> Verdict:
        if ctx.get(value) is None or ctx.get(limit) is None:
            return unknown(*(n for n in (value, limit) if ctx.get(n) is None))
        return MET if ctx.get(value) > ctx.get(limit) else fails(value)

    return any_met([above("UCAT_VMA", "UCAT_VMA_ULN"), above("UCAT_HVA", "UCAT_HVA_ULN")], "catecholamines normal")


def diagnosis(ctx: CheckContext) -> Verdict:
    histology = all_met([_is(ctx, "DX_METHOD", "HISTOLOGY"), _is(ctx, "DX_HISTO", "NB", "GNB_NODULAR")])
    marrow = all_met([_is(ctx, "BM_TUMOR", "Y"), _catecholamine_above_uln(ctx)])
    return any_met(
        [histology, marrow],
        f"Diagnosis of NB not documented per I4: method {show(ctx.get('DX_METHOD'))}, histology "
        f"{show(ctx.get('DX_HISTO'))}, marrow tumour cells {show(ctx.get('BM_TUMOR'))}, VMA "
        f"{show(ctx.get('UCAT_VMA'))} (ULN {show(ctx.get('UCAT_VMA_ULN'))}), HVA {show(ctx.get('UCAT_HVA'))} "
        f"(ULN {show(ctx.get('UCAT_HVA_ULN'))}); needs NB/nodular GNB histology, or marrow tumour cells with "
        f"VMA or HVA above the ULN.",
    )


def measurable_disease(ctx: CheckContext) -> Verdict:
    minimum = _p(ctx, "measurable_lesion_min_mm")
    mibg = all_met([_atom(ctx, "LES_LD_MM", lambda mm: mm >= minimum), _is(ctx, "LES_MIBG_AVID", "Y")])
    if ctx.get("FDG_AVID") is None and ctx.get("PET_DT") is None:
        fdg = fails("no PET")
    else:
        fdg = _is(ctx, "FDG_AVID", "Y")
    return any_met(
        [mibg, fdg],
        f"No measurable MIBG-avid (≥{show(minimum)} mm) or FDG-avid disease (I5): longest lesion "
        f"{show(ctx.get('LES_LD_MM'))} mm, MIBG-avid {show(ctx.get('LES_MIBG_AVID'))}, FDG-avid "
        f"{show(ctx.get('FDG_AVID'))}.",
    )


# --- E1-E3 organ function -------------------------------------------------------------------------

def platelets(ctx: CheckContext) -> Verdict:
    minimum = int(ctx.params["plt_min_per_ul"])
    tx_free = int(ctx.params["plt_tx_free_days"])
    count = _decide(
        _atom(ctx, "PLT", lambda plt: plt >= minimum),
        f"Platelets {show(ctx.get('PLT'))}/µL are below {show(minimum)}/µL (E1a; registry '> 50,000' read as "
        f"exclusion below {show(minimum)}/µL, P2).",
    )
    transfused, counted = ctx.get("LAST_PLT_TX_DT"), ctx.get("PLT_DT")
    if transfused is None:
        independence = MET
    elif counted is None:
        independence = unknown("PLT_DT")
    elif (counted - transfused).days > tx_free:
        independence = MET
    else:
        independence = fails(
            f"Platelet transfusion on {show(transfused)} is {(counted - transfused).days} days before the "
            f"qualifying count of {show(counted)}: not transfusion independent (E1a, P2: more than {tx_free} "
            f"days needed)."
        )
    reasons = [v.reason for v in (count, independence) if v.failed]
    if reasons:
        return fails(" ".join(reasons))
    return all_met([count, independence])


def neutrophils(ctx: CheckContext) -> Verdict:
    minimum = int(ctx.params["anc_min_per_ul"])
    return _decide(
        _atom(ctx, "ANC", lambda anc: anc >= minimum),
        f"ANC {show(ctx.get('ANC'))}/µL is below {show(minimum)}/µL (E1b; registry 'maximum of 500' read as "
        f"exclusion below {show(minimum)}/µL, P3).",
    )


def haemoglobin(ctx: CheckContext) -> Verdict:
    minimum = _p(ctx, "hgb_min_g_dl")
    return _decide(
        _atom(ctx, "HGB", lambda hgb: hgb >= minimum),
        f"Hb {show(ctx.get('HGB'))} g/dL is below {show(minimum)} g/dL (E1c; registry '> 10 g/dL' read as "
        f"exclusion below {show(minimum)} g/dL, P4; red cell transfusion is allowed to reach it).",
    )


def bilirubin(ctx: CheckContext) -> Verdict:
    multiple = _p(ctx, "bili_excl_multiple")
    bili, uln = ctx.get("BILI"), ctx.get("BILI_ULN")
    if bili is None or uln is None:
        return unknown(*(n for n, v in (("BILI", bili), ("BILI_ULN", uln)) if v is None))
    if bili <= multiple * uln:
        return MET
    return fails(
        f"Bilirubin {show(bili)} mg/dL is above {show(multiple)} × ULN ({show(multiple * uln)} mg/dL for a "
        f"ULN of {show(uln)} mg/dL) (E2a)."
    )


def alt_limit(params: Any) -> Decimal:
    return as_decimal(params["alt_uln_u_per_l"]) * as_decimal(params["alt_excl_multiple"])


def alanine_aminotransferase(ctx: CheckContext) -> Verdict:
    limit = alt_limit(ctx.params)
    literal = ctx.params["alt_boundary_reading"] == "LITERAL"
    reading = (
        f"registry literal 'at least three times': ALT ≥ {show(limit)} U/L excludes" if literal
        else f"COG: ALT > {show(limit)} U/L excludes, {show(limit)} eligible"
    )
    return _decide(
        _atom(ctx, "ALT", lambda alt: alt < limit if literal else alt <= limit),
        f"ALT {show(ctx.get('ALT'))} U/L exceeds the limit of {show(ctx.params['alt_excl_multiple'])} × "
        f"{show(ctx.params['alt_uln_u_per_l'])} U/L (E2b, P5 – {reading}).",
    )


def creatinine_clearance_measured(ctx: CheckContext) -> bool:
    return ctx.get("CRCL_METHOD") in tuple(ctx.params["crcl_measured_methods"]) and ctx.get("CRCL") is not None


def renal_clearance(ctx: CheckContext) -> Verdict:
    """E3a: a measured CrCl/GFR below the minimum excludes (both readings)."""
    if not creatinine_clearance_measured(ctx):
        return MET
    minimum = _p(ctx, "gfr_min")
    if ctx.get("CRCL") >= minimum:
        return MET
    return fails(
        f"Measured CrCl/GFR {show(ctx.get('CRCL'))} mL/min/1.73 m² ({ctx.get('CRCL_METHOD')}) is below "
        f"{show(minimum)} (E3, P6)."
    )


def creatinine_limit(values: dict[str, Any], params: Any) -> Decimal | None:
    """The maximum serum creatinine that applies (table value for age at the sample date and sex, or ULN multiple)."""
    if params["creat_rule"] == "ULN_MULTIPLE":
        uln = values.get("CREAT_ULN")
        return None if uln is None else as_decimal(params["creat_uln_multiple"]) * uln
    age_years, sex = values.get("AGE_AT_CREAT_Y"), values.get("SEX")
    if age_years is None or sex is None:
        return None
    return creatinine_maximum(params["creat_max_table"], age_years, sex)


def serum_creatinine(ctx: CheckContext) -> Verdict:
    """E3b: creatinine within the maximum (P6: only when clearance not measured; literal: always)."""
    if ctx.params["renal_reading"] != "LITERAL" and creatinine_clearance_measured(ctx):
        return MET
    needed = ("CREAT", "CREAT_ULN") if ctx.params["creat_rule"] == "ULN_MULTIPLE" else ("CREAT", "SEX", "BRTHDTC")
    missing = [name for name in needed if ctx.get(name) is None]
    limit = ctx.get("CREAT_MAX")
    if missing or limit is None:
        return unknown(*(missing or ["CREAT_DT"]))
    if ctx.get("CREAT") <= limit:
        return MET
    if ctx.params["creat_rule"] == "ULN_MULTIPLE":
        basis = f"{show(ctx.params['creat_uln_multiple'])} × the laboratory ULN of {show(ctx.get('CREAT_ULN'))} mg/dL"
    else:
        basis = f"the COG maximum for a {'boy' if ctx.get('SEX') == 'M' else 'girl'} aged {ctx.get('AGE_AT_CREAT_Y')} y"
    reading = "registry literal: creatinine judged even when clearance measured" if ctx.params["renal_reading"] == "LITERAL" \
        else "P6: no measured CrCl/GFR, so creatinine decides"
    return fails(
        f"Creatinine {show(ctx.get('CREAT'))} mg/dL is above {show(limit)} mg/dL, {basis} (E3, {reading})."
    )


# --- E4-E8 -------------------------------------------------------------------------------------------

def seizures(ctx: CheckContext) -> Verdict:
    history = ctx.get("SEIZ_HX")
    if history is None:
        return unknown("SEIZ_HX")
    if history == "N":
        return MET
    if ctx.params["seizure_reading"] == "ANY":
        return fails("Seizure disorder present (E4, registry literal: any seizure disorder excludes, P7).")
    controlled = ctx.get("SEIZ_CONTROLLED")
    if controlled is None:
        return unknown("SEIZ_CONTROLLED")
    if controlled == "Y":
        return MET
    return fails("Uncontrolled seizure disorder (E4, P7: exclusion when not well controlled on anticonvulsants).")


def cardiac_function(ctx: CheckContext) -> Verdict:
    sf_min, ef_min = _p(ctx, "sf_min"), _p(ctx, "ef_min")
    sf, ef = ctx.get("SF_PCT"), ctx.get("EF_PCT")
    if sf is None and ef is None:
        return unknown("SF_PCT", "EF_PCT")
    values = f"SF {show(sf)} %, EF {show(ef)} %"
    if ctx.params["cardiac_reading"] == "COG_EITHER":
        if (sf is not None and sf >= sf_min) or (ef is not None and ef >= ef_min):
            return MET
        if sf is None or ef is None:
            return unknown("EF_PCT" if ef is None else "SF_PCT")
        return fails(f"{values}: neither SF ≥ {show(sf_min)} % nor EF ≥ {show(ef_min)} % (E5, P8 COG reading: either adequate).")
    if (sf is None or sf >= sf_min) and (ef is None or ef >= ef_min):
        return MET
    return fails(f"{values}: SF < {show(sf_min)} % or EF < {show(ef_min)} % (E5, P8 registry reading: any measured value below its limit excludes).")


def answered_no(name: str, message: str) -> Callable[[CheckContext], Verdict]:
    def assess(ctx: CheckContext) -> Verdict:
        return _decide(_is(ctx, name, "N"), message)

    assess.__name__ = f"{name.lower()}_absent"
    return assess


def answered_yes(name: str, message: str) -> Callable[[CheckContext], Verdict]:
    def assess(ctx: CheckContext) -> Verdict:
        return _decide(_is(ctx, name, "Y"), message)

    assess.__name__ = f"{name.lower()}_present"
    return assess


def oxygen_saturation(ctx: CheckContext) -> Verdict:
    indicated = ctx.get("SPO2_INDICATED")
    if indicated is None:
        return unknown("SPO2_INDICATED")
    if indicated == "N":
        return MET
    spo2 = ctx.get("SPO2_RA")
    if spo2 is None:
        return unknown("SPO2_RA")
    minimum = _p(ctx, "spo2_min")
    if ctx.params["spo2_reading"] == "COG":
        return MET if spo2 > minimum else fails(
            f"Room-air SpO₂ {show(spo2)} % is not above {show(minimum)} % (E6d, P9 COG reading: > {show(minimum)} % needed)."
        )
    return MET if spo2 >= minimum else fails(
        f"Room-air SpO₂ {show(spo2)} % is below {show(minimum)} % (E6d, P9: {show(minimum)} % is eligible)."
    )


def effusions(ctx: CheckContext) -> Verdict:
    present = [label for name, label in (("PLEUR_EFF_CUR", "pleural"), ("PERIC_EFF_CUR", "pericardial")) if ctx.get(name) == "Y"]
    if present:
        return fails(f"Current {' and '.join(present)} effusion (E6e).")
    return all_met([_is(ctx, "PLEUR_EFF_CUR", "N"), _is(ctx, "PERIC_EFF_CUR", "N")])


def catecholamine_multiple(values: dict[str, Any]) -> Decimal | None:
    """The larger of VMA/ULN and HVA/ULN over the markers measured (a blank marker counts as not measured)."""
    ratios = [
        values[value] / values[limit]
        for value, limit in (("UCAT_VMA", "UCAT_VMA_ULN"), ("UCAT_HVA", "UCAT_HVA_ULN"))
        if values.get(value) is not None and values.get(limit)
    ]
    return max(ratios) if ratios else None


def catecholamine_or_marrow_only(ctx: CheckContext) -> Verdict:
    multiple = _p(ctx, "ucat_excl_multiple")
    ratio = catecholamine_multiple(ctx.values)
    elevated = MET if ratio is not None and ratio > multiple else fails("not elevated or not measured")
    marrow_unconfirmed = all_met([_is(ctx, "BM_ONLY", "Y"), _is(ctx, "BM_PATH_CONFIRMED", "N")])
    if ctx.get("BM_ONLY") == "N":
        marrow_unconfirmed = fails("not marrow only")
    excluding = any_met([elevated, marrow_unconfirmed], "")
    values = (
        f"catecholamines {show(ratio.quantize(Decimal('0.01')) if ratio is not None else None)} × ULN, "
        f"marrow-only disease {show(ctx.get('BM_ONLY'))}, pathology confirmed {show(ctx.get('BM_PATH_CONFIRMED'))}"
    )
    if ctx.params["e8_reading"] == "LITERAL":
        if excluding.met is True:
            return fails(
                f"Elevated catecholamines (> {show(multiple)} × ULN) or unconfirmed marrow-only disease: {values} "
                f"(E8, registry literal reading, which contradicts I4)."
            )
        return MET if excluding.failed else unknown(*excluding.missing)
    evaluable = measurable_disease(ctx)
    if evaluable.met is True:
        return MET
    if excluding.met is True and evaluable.failed:
        return fails(
            f"Only evaluable disease is catecholamines/BM (E8, P10): no measurable or avid lesion (I5), {values}."
        )
    if excluding.failed:
        return MET
    return unknown(*evaluable.missing, *excluding.missing)


# --- E9, E10: medication log ------------------------------------------------------------------------

def steroids(ctx: CheckContext) -> Verdict:
    if log_is_unreadable(ctx.context.get("conmeds")):
        return unknown("conmeds")
    exposure = steroid_exposure(read_conmeds(ctx.context.get("conmeds")), ctx.get("WEIGHT_KG"), enrolment_date(ctx), ctx.params)
    if exposure.qualifying_run is not None:
        start, end = exposure.qualifying_run
        peak = min(exposure.daily_mg_per_kg[day] for day in exposure.daily_mg_per_kg if start <= day <= end)
        return fails(
            f"Systemic steroid ≥{show(ctx.params['steroid_pred_eq_mgkgday'])} mg/kg/d pred-eq for ≥"
            f"{ctx.params['steroid_min_days']} d (P11): {show_list(sorted(set(exposure.agents)))} at ≥ "
            f"{show(peak.quantize(Decimal('0.001')))} mg/kg/day prednisone-equivalent on each day from "
            f"{show(start)} to {show(end)} ({(end - start).days + 1} days, E9)."
        )
    if exposure.unresolved:
        return unknown(*exposure.unresolved)
    return MET


def _cyp3a4_list(ctx: CheckContext, strength: str) -> tuple[str, ...]:
    strong = tuple(ctx.params["cyp3a4_strong_inhibitors"]) + tuple(ctx.params["cyp3a4_strong_inducers"])
    moderate = tuple(ctx.params["cyp3a4_moderate_modulators"])
    if strength == "strong":
        return strong + (moderate if ctx.params["cyp3a4_strength_reading"] == "ANY" else ())
    return () if ctx.params["cyp3a4_strength_reading"] == "ANY" else moderate


def cyp3a4_modulators(ctx: CheckContext, strength: str = "strong") -> tuple[list[str], list[str]]:
    """Descriptions of listed CYP3A4 modulators within the look-back window, and unresolved records."""
    lookback = int(ctx.params["cyp3a4_lookback_days"])
    exposed, unresolved = cyp3a4_exposures(
        read_conmeds(ctx.context.get("conmeds")),
        enrolment_date(ctx),
        _cyp3a4_list(ctx, strength),
        lookback,
        ctx.params["cyp3a4_nonsystemic_routes"],
    )
    described = [
        f"{e.record.name} ({'ongoing' if e.record.ongoing else 'last taken ' + show(e.record.end)})" for e in exposed
    ]
    return described, unresolved


def cyp3a4(ctx: CheckContext) -> Verdict:
    if log_is_unreadable(ctx.context.get("conmeds")):
        return unknown("conmeds")
    described, unresolved = cyp3a4_modulators(ctx, "strong")
    if described:
        strength = "any listed" if ctx.params["cyp3a4_strength_reading"] == "ANY" else "strong"
        return fails(
            f"Strong CYP3A4 inducer/inhibitor within {ctx.params['cyp3a4_lookback_days']} d (P12): "
            f"{'; '.join(described)} (E10, {strength} modulators taken on or after "
            f"{ctx.params['cyp3a4_lookback_days']} days before enrolment exclude)."
        )
    return unknown(*unresolved) if unresolved else MET


# --- E12-E16 -----------------------------------------------------------------------------------------

def other_trial(ctx: CheckContext) -> Verdict:
    current = ctx.get("OTHER_TRIAL_CUR")
    if current is None:
        return unknown("OTHER_TRIAL_CUR")
    if current == "N":
        return MET
    if not ctx.params["other_trial_observational_allowed"]:
        return fails("Concurrent participation in another clinical study (E12; observational studies not allowed in this reading).")
    kind = ctx.get("OTHER_TRIAL_TYPE")
    if kind is None:
        return unknown("OTHER_TRIAL_TYPE")
    if kind == "OBSERVATIONAL":
        return MET
    return fails("Concurrent interventional trial (E12; only observational studies or registries are allowed).")


def organ_toxicity(ctx: CheckContext) -> Verdict:
    minimum = int(ctx.params["e13_min_grade"])
    found, unresolved = organ_toxicities(
        ctx.context.get("baseline_conditions"), ctx.params["e13_socs"], ctx.params["e13_investigation_terms"], minimum
    )
    if found:
        listed = "; ".join(f"{t.term} grade {t.grade} ({t.soc})" for t in found)
        return fails(f"Unresolved CTCAE v5 grade ≥{minimum} organ toxicity: {listed} (E13).")
    return unknown(*unresolved) if unresolved else MET


def consent(ctx: CheckContext) -> Verdict:
    signed = _decide(_is(ctx, "IC_PARENT_SIGNED", "Y"), "Signed guardian consent missing (E15).")
    if signed.failed:
        return signed
    consented = ctx.get("ICDTC")
    if consented is None:
        return all_met([signed, unknown("ICDTC")])
    if ctx.params["e15_procedures_after_consent"]:
        earlier = [name for name in CONSENT_PRECEDES if ctx.get(name) is not None and ctx.get(name) < consented]
        if earlier:
            dates = ", ".join(f"{name} {show(ctx.get(name))}" for name in earlier)
            return fails(f"Screening procedures dated before guardian consent on {show(consented)}: {dates} (E15).")
    return signed


def hiv(ctx: CheckContext) -> Verdict:
    result = ctx.get("HIV_RESULT")
    if result is None:
        return unknown("HIV_RESULT")
    if result == "NEG":
        return MET
    wording = "positive" if result == "POS" else "indeterminate"
    return fails(f"HIV test {wording}: HIV positive / HIV disease not excluded (E16; a negative result is required).")


# --- soft checks -------------------------------------------------------------------------------------

def days_before(reference: date, earlier: date) -> int:
    return (reference - earlier).days


def stale_dates(ctx: CheckContext, names: tuple[str, ...], window_days: int) -> list[str]:
    """Entered dates more than ``window_days`` before the enrolment date, as 'NAME date (n d)'."""
    enrolled = enrolment_date(ctx)
    if enrolled is None:
        return []
    return [
        f"{name} {show(ctx.get(name))} ({days_before(enrolled, ctx.get(name))} d)"
        for name in names
        if ctx.get(name) is not None and days_before(enrolled, ctx.get(name)) > window_days
    ]


def enzyme_inducing_aeds(ctx: CheckContext) -> list[str]:
    text = ctx.get("AED_LIST")
    return matches(text, ctx.params["enzyme_inducing_aeds"]) if text else []
