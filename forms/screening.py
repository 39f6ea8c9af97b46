"""eCRF: screening and eligibility (spec section 1; registry inclusion 1-5 and exclusion 1-16).

The form captures the values behind every criterion (laboratory results with limits, dates, findings);
the checks compute each criterion from them.  ``conclude`` derives ``eligible`` and ``failed_criteria``:
a criterion is failed when its hard check fired, or when its essential values are missing or unreadable
so that it cannot be shown met (a soft ``<criterion>.INCOMPLETE`` finding says what to enter).
Readings of the self-contradictory registry text (P2-P13) are protocol parameters, see
:mod:`config.protocol.eligibility`.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Callable, Mapping

from config.protocol import Parameters

from .core import Check, CheckContext, Field, Finding, FormDef
from .eligibility import criteria as c
from .eligibility.dates import Unreadable, as_decimal, completed_years, context_date
from .eligibility.medications import physiologic_steroid_records, read_conmeds, steroid_exposure
from .eligibility.renal import bedside_schwartz
from .eligibility.show import show
from .eligibility.verdict import Verdict, all_met

CRITERIA = (
    "AGE", "I1I2", "I3", "I4", "I5", "E1a", "E1b", "E1c", "E2a", "E2b", "E3", "E4", "E5", "E6a", "E6b", "E6c",
    "E6d", "E6e", "E7", "E8", "E9", "E10", "E12", "E13", "E14", "E15", "E16",
)
"""Criterion ids in the order of the harness contract (shared/protocol/README.md)."""

D = Decimal

INRG_RISK = (("HIGH", "High"), ("INTERMEDIATE", "Intermediate"), ("LOW", "Low"), ("VERY_LOW", "Very low"))
INRC_RESPONSE = (
    ("CR", "Complete response"), ("PR", "Partial response"), ("MR", "Minor response"),
    ("SD", "Stable disease"), ("PD", "Progressive disease"),
)
DISEASE_STATUS = (("REFRACTORY", "Refractory"), ("RELAPSED", "Relapsed"), ("PROGRESSIVE", "Progressive"))
DX_METHOD = (
    ("HISTOLOGY", "Histology of tumour tissue"),
    ("BM_TUMOR_PLUS_CATECH", "Tumour cells in bone marrow with raised urinary catecholamines"),
)
DX_HISTO = (("NB", "Neuroblastoma"), ("GNB_NODULAR", "Ganglioneuroblastoma, nodular"))
CRCL_METHOD = (
    ("URINE_24H", "24-hour urine creatinine clearance"),
    ("RADIOISOTOPE_GFR", "Radioisotope GFR"),
    ("EGFR_SCHWARTZ", "Estimated GFR, bedside Schwartz"),
)
EF_METHOD = (("ECHO", "Echocardiography"), ("MUGA", "Gated radionuclide study (MUGA)"))
HIV_TEST = (("AG_AB", "Antigen/antibody (4th generation)"), ("AB", "Antibody"), ("PCR", "Nucleic acid (PCR)"))
HIV_RESULT = (("POS", "Positive"), ("NEG", "Negative"), ("IND", "Indeterminate"))
TRIAL_TYPE = (("INTERVENTIONAL", "Interventional"), ("OBSERVATIONAL", "Observational / registry"))
SEX = (("M", "Male"), ("F", "Female"))

UCAT_UNIT = "µg/mg creatinine"


def _f(name: str, label: str, type_: Any, clause: str, section: str, **extra: Any) -> Field:
    return Field(name=name, label=label, type=type_, clause=clause, section=section, **extra)


FIELDS: tuple[Field, ...] = (
    # Demography and consent
    _f("BRTHDTC", "Date of birth", "date", "AGE", "Demography", identifier=True,
       help="Full date of birth; month and year alone are not enough to compute age at consent."),
    _f("ICDTC", "Date guardian consent signed", "date", "E15", "Demography",
       help="Date the parent or legal guardian signed the consent form; age is computed on this date."),
    _f("SEX", "Sex assigned at birth", "code", "E3", "Demography", codes=SEX,
       help="Selects the creatinine limit for exclusion E3."),
    _f("WEIGHT_KG", "Body weight", "decimal", "E9", "Demography", unit="kg", min=D(5), max=D(100),
       help="Actual weight at screening; divides steroid doses for exclusion E9."),
    _f("HEIGHT_CM", "Height", "decimal", "E3", "Demography", unit="cm", min=D(50), max=D(220),
       help="Used for the bedside Schwartz eGFR (query E3c)."),
    _f("IC_PARENT_SIGNED", "Consent signed by parent or legal guardian", "yesno", "E15", "Demography"),
    _f("IC_VERSION", "Consent form version signed", "text", "E15", "Demography", required=False, max_length=40),
    # Disease
    _f("INRG_RISK", "INRG risk group", "code", "I1I2", "Disease", codes=INRG_RISK),
    _f("INDUCT_CYC_N", "Induction chemotherapy cycles received", "integer", "I1I2", "Disease", unit="cycles",
       min=0, max=20),
    _f("INDUCT_RESP", "Response to induction (INRC)", "code", "I1I2", "Disease", codes=INRC_RESPONSE,
       help="Best response by INRC 2017 at the end of induction."),
    _f("DIS_STATUS", "Disease status at screening", "code", "I1I2", "Disease", codes=DISEASE_STATUS),
    _f("PRIOR_ASCT", "Prior autologous stem cell transplant", "yesno", "I1I2", "Disease"),
    _f("PRIOR_ASCT_DT", "Date of autologous stem cell transplant", "date", "I1I2", "Disease", required=False,
       help="Leave blank when there was no transplant."),
    _f("PRIOR_AGGR_THER", "Prior aggressive (intensive) therapy", "yesno", "I1I2", "Disease", required=False,
       help="Answer for relapsed or progressive disease: intensive multimodal therapy other than transplant."),
    _f("LIFE_EXP_M", "Life expectancy", "integer", "I3", "Disease", unit="months", min=0, max=120),
    _f("DX_METHOD", "Basis of diagnosis", "code", "I4", "Disease", codes=DX_METHOD),
    _f("DX_HISTO", "Histology", "code", "I4", "Disease", codes=DX_HISTO, required=False,
       help="Blank when the diagnosis rests on marrow tumour cells and catecholamines."),
    _f("BM_TUMOR", "Tumour cells in bone marrow", "yesno", "I4", "Disease"),
    _f("UCAT_VMA", "Urinary VMA", "decimal", "I4", "Disease", unit=UCAT_UNIT, min=D(0), max=D(100000), required=False,
       help="Blank when not measured."),
    _f("UCAT_VMA_ULN", "Urinary VMA upper limit of normal", "decimal", "I4", "Disease", unit=UCAT_UNIT,
       min=D("0.001"), max=D(100000), required=False, help="The laboratory's age-specific limit."),
    _f("UCAT_HVA", "Urinary HVA", "decimal", "I4", "Disease", unit=UCAT_UNIT, min=D(0), max=D(100000), required=False,
       help="Blank when not measured."),
    _f("UCAT_HVA_ULN", "Urinary HVA upper limit of normal", "decimal", "I4", "Disease", unit=UCAT_UNIT,
       min=D("0.001"), max=D(100000), required=False, help="The laboratory's age-specific limit."),
    _f("BM_ONLY", "Bone marrow is the only evaluable disease", "yesno", "E8", "Disease"),
    _f("BM_PATH_CONFIRMED", "Marrow disease confirmed by pathology report", "yesno", "E8", "Disease", required=False,
       help="Answer when bone marrow is the only evaluable disease."),
    # Imaging
    _f("LES_LD_MM", "Longest diameter of the largest lesion (CT/MRI)", "decimal", "I5", "Imaging", unit="mm",
       min=D(0), max=D(400), help="0 when no measurable lesion; lymph nodes by short axis."),
    _f("LES_MIBG_AVID", "Measurable lesion MIBG-avid", "yesno", "I5", "Imaging"),
    _f("FDG_AVID", "FDG-PET avid disease", "yesno", "I5", "Imaging", required=False,
       help="Blank when no FDG-PET was done."),
    _f("MIBG_DT", "Date of MIBG scan", "date", "I5", "Imaging"),
    _f("CTMRI_DT", "Date of CT/MRI", "date", "I5", "Imaging"),
    _f("PET_DT", "Date of FDG-PET", "date", "I5", "Imaging", required=False, help="Blank when no FDG-PET was done."),
    _f("CURIE_BASE", "Baseline Curie score", "integer", "I5", "Imaging", min=0, max=30, required=False),
    # Laboratory
    _f("LAB_DT", "Date of eligibility blood tests", "date", "LABW", "Laboratory",
       help="Date of the sample for ANC, haemoglobin, bilirubin and ALT."),
    _f("PLT", "Platelet count", "decimal", "E1a", "Laboratory", unit="/µL", min=D(0), max=D(2000000)),
    _f("PLT_DT", "Date of platelet count", "date", "E1a", "Laboratory"),
    _f("LAST_PLT_TX_DT", "Date of last platelet transfusion", "date", "E1a", "Laboratory", required=False,
       help="Blank when never transfused."),
    _f("ANC", "Absolute neutrophil count", "decimal", "E1b", "Laboratory", unit="/µL", min=D(0), max=D(100000)),
    _f("HGB", "Haemoglobin", "decimal", "E1c", "Laboratory", unit="g/dL", min=D(2), max=D(25)),
    _f("LAST_RBC_TX_DT", "Date of last red cell transfusion", "date", "E1c", "Laboratory", required=False,
       help="Blank when never transfused; transfusion to reach the haemoglobin limit is allowed."),
    _f("BILI", "Total bilirubin", "decimal", "E2a", "Laboratory", unit="mg/dL", min=D(0), max=D(50)),
    _f("BILI_ULN", "Bilirubin upper limit of normal (lab, for age)", "decimal", "E2a", "Laboratory", unit="mg/dL",
       min=D("0.1"), max=D(10)),
    _f("ALT", "ALT (SGPT)", "decimal", "E2b", "Laboratory", unit="U/L", min=D(0), max=D(10000),
       help="Judged against the protocol's fixed ULN of 45 U/L, not the laboratory's."),
    _f("CRCL_METHOD", "Creatinine clearance / GFR method", "code", "E3", "Laboratory", codes=CRCL_METHOD,
       required=False, help="Blank when not measured."),
    _f("CRCL", "Creatinine clearance / GFR", "decimal", "E3", "Laboratory", unit="mL/min/1.73 m²", min=D(5),
       max=D(250), required=False, help="Blank when not measured."),
    _f("CREAT", "Serum creatinine", "decimal", "E3", "Laboratory", unit="mg/dL", min=D("0.05"), max=D(15)),
    _f("CREAT_DT", "Date of serum creatinine", "date", "E3", "Laboratory",
       help="The creatinine limit uses the age on this date."),
    _f("CREAT_ULN", "Creatinine upper limit of normal (lab, for age and sex)", "decimal", "E3", "Laboratory",
       unit="mg/dL", min=D("0.05"), max=D(15), required=False,
       help="Needed only when the study judges creatinine against 1.5 × the laboratory limit."),
    _f("HIV_TEST", "HIV test", "code", "E16", "Laboratory", codes=HIV_TEST),
    _f("HIV_RESULT", "HIV result", "code", "E16", "Laboratory", codes=HIV_RESULT),
    _f("HIV_DT", "Date of HIV test", "date", "E16", "Laboratory"),
    # Organ function
    _f("SEIZ_HX", "Seizure disorder", "yesno", "E4", "Organ function"),
    _f("SEIZ_CONTROLLED", "Seizures well controlled on anticonvulsants", "yesno", "E4", "Organ function",
       required=False, help="Answer when there is a seizure disorder."),
    _f("AED_LIST", "Anticonvulsants taken", "text", "E4", "Organ function", required=False, max_length=300),
    _f("ECHO_DT", "Date of echocardiogram / MUGA", "date", "E5", "Organ function"),
    _f("SF_PCT", "Shortening fraction", "decimal", "E5", "Organ function", unit="%", min=D(5), max=D(60),
       required=False, help="Blank when only the ejection fraction was measured."),
    _f("EF_PCT", "Ejection fraction", "decimal", "E5", "Organ function", unit="%", min=D(10), max=D(90),
       required=False, help="Blank when only the shortening fraction was measured."),
    _f("EF_METHOD", "Ejection fraction method", "code", "E5", "Organ function", codes=EF_METHOD, required=False),
    _f("DYSP_REST", "Dyspnoea at rest", "yesno", "E6a", "Organ function"),
    _f("EX_INTOL", "Exercise intolerance", "yesno", "E6b", "Organ function"),
    _f("O2_CHRONIC", "Chronic oxygen requirement", "yesno", "E6c", "Organ function"),
    _f("SPO2_INDICATED", "Pulse oximetry clinically indicated", "yesno", "E6d", "Organ function"),
    _f("SPO2_RA", "Pulse oximetry on room air", "decimal", "E6d", "Organ function", unit="%", min=D(50), max=D(100),
       required=False, help="Needed when pulse oximetry is clinically indicated."),
    _f("PLEUR_EFF_CUR", "Current pleural effusion", "yesno", "E6e", "Organ function"),
    _f("PERIC_EFF_CUR", "Current pericardial effusion", "yesno", "E6e", "Organ function"),
    _f("EMERG_COND", "Emergency condition preventing new treatment", "yesno", "E7", "Organ function"),
    _f("EMERG_COND_TEXT", "Emergency condition, describe", "text", "E7", "Organ function", required=False,
       max_length=300),
    # Other
    _f("OTHER_TRIAL_CUR", "Currently in another clinical study", "yesno", "E12", "Other"),
    _f("OTHER_TRIAL_TYPE", "Type of the other study", "code", "E12", "Other", codes=TRIAL_TYPE, required=False),
    _f("COMPLY_ABLE", "Able to comply with protocol requirements", "yesno", "E14", "Other"),
    # Derived
    _f("AGE_Y", "Age at consent", "integer", "AGE", "Derived", unit="years", derived=True),
    _f("AGE_AT_CREAT_Y", "Age at creatinine sample", "integer", "E3", "Derived", unit="years", derived=True),
    _f("CREAT_MAX", "Maximum creatinine allowed", "decimal", "E3", "Derived", unit="mg/dL", derived=True),
    _f("EGFR_SCHWARTZ", "Bedside Schwartz eGFR", "decimal", "E3", "Derived", unit="mL/min/1.73 m²", derived=True),
    _f("UCAT_MAX_xULN", "Highest catecholamine, multiple of ULN", "decimal", "E8", "Derived", unit="× ULN",
       derived=True),
    _f("PRED_EQ_MGKG", "Highest daily steroid dose before enrolment, prednisone-equivalent", "decimal", "E9",
       "Derived", unit="mg/kg/day", derived=True),
    _f("STEROID_RUN_DAYS", "Longest run of days at or above the steroid limit before enrolment", "integer", "E9",
       "Derived", unit="days", derived=True),
)

FIELD_NAMES = frozenset(f.name for f in FIELDS)
_LABELS = {f.name: f.label for f in FIELDS} | {
    "ENRLDT": "planned enrolment date (context ENRLDT)",
    "conmeds": "the medication log (a list of medication records)",
    "baseline_conditions": "the baseline conditions log (a list of condition records)",
}


def _label(name: str) -> str:
    return f"{_LABELS[name]} ({name})" if name in FIELD_NAMES else _LABELS.get(name, name)


# --- derivations ----------------------------------------------------------------------------------------

def derive(values: dict[str, Any], context: Mapping[str, Any], params: Parameters) -> dict[str, Any]:
    """Age at consent and at the creatinine sample, renal limits, catecholamine multiple, steroid exposure."""
    birth, consent = values.get("BRTHDTC"), values.get("ICDTC")
    derived: dict[str, Any] = {"AGE_Y": None, "AGE_AT_CREAT_Y": None}
    if birth is not None and consent is not None:
        derived["AGE_Y"] = completed_years(birth, consent)
    creatinine_day = values.get("CREAT_DT") or consent
    if birth is not None and creatinine_day is not None:
        derived["AGE_AT_CREAT_Y"] = completed_years(birth, creatinine_day)
    derived["CREAT_MAX"] = c.creatinine_limit({**values, **derived}, params)
    egfr = _schwartz(values, params)
    derived["EGFR_SCHWARTZ"] = None if egfr is None else egfr.quantize(D("0.1"))
    ratio = c.catecholamine_multiple(values)
    derived["UCAT_MAX_xULN"] = None if ratio is None else ratio.quantize(D("0.01"))
    exposure = steroid_exposure(read_conmeds(context.get("conmeds")), values.get("WEIGHT_KG"), c.enrolment_date_in(context), params)
    peak = exposure.max_daily_mg_per_kg
    derived["PRED_EQ_MGKG"] = None if peak is None else peak.quantize(D("0.001"))
    derived["STEROID_RUN_DAYS"] = exposure.longest_run_days if exposure.daily_mg_per_kg else None
    return derived


def _schwartz(values: Mapping[str, Any], params: Parameters) -> Decimal | None:
    height, creatinine = values.get("HEIGHT_CM"), values.get("CREAT")
    if height is None or creatinine is None:
        return None
    return bedside_schwartz(as_decimal(params["schwartz_k"]), height, creatinine)


# --- checks --------------------------------------------------------------------------------------------

Assess = Callable[[CheckContext], Verdict]
ASSESSMENTS: dict[str, Assess] = {}


def _failure(assess: Assess) -> Callable[[CheckContext], str | None]:
    def test(ctx: CheckContext) -> str | None:
        verdict = assess(ctx)
        return verdict.reason if verdict.failed else None

    return test


def criterion(check_id: str, crit: str, fields: tuple[str, ...], rule: str, message: str, assess: Assess) -> Check:
    """A hard check that decides eligibility criterion ``crit``."""
    ASSESSMENTS[check_id] = assess
    return Check(check_id, "hard", fields, rule, message, crit, _failure(assess), criterion=crit)


def soft(check_id: str, fields: tuple[str, ...], rule: str, message: str, test: Callable[[CheckContext], Any],
         needs: tuple[str, ...] = ()) -> Check:
    return Check(check_id, "soft", fields, rule, message, check_id, test, needs=needs)


_CRITERION_CHECKS: tuple[Check, ...] = (
    criterion("AGE", "AGE", ("BRTHDTC", "ICDTC"),
              "age_min_years <= AGE_Y (completed years at consent) <= age_max_years (inclusive when age_max_inclusive)",
              "Age at consent outside {age_min_years}–{age_max_years} y", c.age),
    criterion("I1I2", "I1I2", ("INRG_RISK", "DIS_STATUS", "INDUCT_CYC_N", "INDUCT_RESP", "PRIOR_ASCT", "PRIOR_AGGR_THER"),
              "INRG_RISK = HIGH and ([DIS_STATUS = REFRACTORY and INDUCT_CYC_N >= induct_min_cycles and INDUCT_RESP in "
              "refractory_responses] or [DIS_STATUS in RELAPSED/PROGRESSIVE and (PRIOR_ASCT = Y or PRIOR_AGGR_THER = Y)]); "
              "i1_i2_reading BOTH requires both brackets (P13)",
              "Not relapsed/refractory high-risk NB per I1/I2", c.relapsed_or_refractory),
    criterion("I3", "I3", ("LIFE_EXP_M",), "LIFE_EXP_M >= life_expectancy_min_months",
              "Life expectancy < {life_expectancy_min_months} months", c.life_expectancy),
    criterion("I4", "I4", ("DX_METHOD", "DX_HISTO", "BM_TUMOR", "UCAT_VMA", "UCAT_VMA_ULN", "UCAT_HVA", "UCAT_HVA_ULN"),
              "(DX_METHOD = HISTOLOGY and DX_HISTO in NB/GNB_NODULAR) or (BM_TUMOR = Y and (UCAT_VMA > UCAT_VMA_ULN or "
              "UCAT_HVA > UCAT_HVA_ULN))",
              "Diagnosis of NB not documented per I4", c.diagnosis),
    criterion("I5", "I5", ("LES_LD_MM", "LES_MIBG_AVID", "FDG_AVID", "PET_DT"),
              "(LES_LD_MM >= measurable_lesion_min_mm and LES_MIBG_AVID = Y) or FDG_AVID = Y (blank FDG_AVID with no "
              "PET_DT: no PET done)",
              "No measurable MIBG-avid (≥{measurable_lesion_min_mm} mm) or FDG-avid disease", c.measurable_disease),
    criterion("E1a", "E1a", ("PLT", "PLT_DT", "LAST_PLT_TX_DT"),
              "PLT >= plt_min_per_ul and (LAST_PLT_TX_DT blank or PLT_DT - LAST_PLT_TX_DT > plt_tx_free_days) (P2)",
              "PLT < {plt_min_per_ul}/µL or platelet-transfusion dependent (P2)", c.platelets),
    criterion("E1b", "E1b", ("ANC",), "ANC >= anc_min_per_ul (P3)", "ANC < {anc_min_per_ul}/µL (P3)", c.neutrophils),
    criterion("E1c", "E1c", ("HGB",), "HGB >= hgb_min_g_dl; transfusion allowed (P4)", "Hb < {hgb_min_g_dl} g/dL (P4)",
              c.haemoglobin),
    criterion("E2a", "E2a", ("BILI", "BILI_ULN"), "BILI <= bili_excl_multiple × BILI_ULN", "Bilirubin > {bili_excl_multiple} × ULN",
              c.bilirubin),
    criterion("E2b", "E2b", ("ALT",),
              "ALT <= alt_excl_multiple × alt_uln_u_per_l (alt_boundary_reading LITERAL: ALT < that limit) (P5)",
              "ALT > {alt_excl_multiple} × {alt_uln_u_per_l} U/L (P5)", c.alanine_aminotransferase),
    criterion("E3a", "E3", ("CRCL_METHOD", "CRCL"),
              "when CRCL_METHOD in crcl_measured_methods and CRCL entered: CRCL >= gfr_min (P6)",
              "CrCl/GFR < {gfr_min} mL/min/1.73 m²", c.renal_clearance),
    criterion("E3b", "E3", ("CREAT", "CREAT_DT", "SEX", "BRTHDTC", "CREAT_ULN"),
              "renal_reading P6: when no measured CrCl/GFR, CREAT <= CREAT_MAX (creat_max_table for age at CREAT_DT "
              "and SEX; creat_rule ULN_MULTIPLE: creat_uln_multiple × CREAT_ULN); LITERAL: always",
              "Creatinine above age/sex maximum", c.serum_creatinine),
    criterion("E4", "E4", ("SEIZ_HX", "SEIZ_CONTROLLED"),
              "not (SEIZ_HX = Y and SEIZ_CONTROLLED = N); seizure_reading ANY: SEIZ_HX = N (P7)",
              "Uncontrolled seizure disorder (P7)", c.seizures),
    criterion("E5", "E5", ("SF_PCT", "EF_PCT"),
              "cardiac_reading REGISTRY: (SF_PCT blank or >= sf_min) and (EF_PCT blank or >= ef_min) and one entered; "
              "COG_EITHER: SF_PCT >= sf_min or EF_PCT >= ef_min (P8)",
              "SF < {sf_min} % or EF < {ef_min} % (P8)", c.cardiac_function),
    criterion("E6a", "E6a", ("DYSP_REST",), "DYSP_REST = N", "Dyspnea at rest",
              c.answered_no("DYSP_REST", "Dyspnoea at rest (E6a).")),
    criterion("E6b", "E6b", ("EX_INTOL",), "EX_INTOL = N", "Exercise intolerance",
              c.answered_no("EX_INTOL", "Exercise intolerance (E6b).")),
    criterion("E6c", "E6c", ("O2_CHRONIC",), "O2_CHRONIC = N", "Chronic oxygen requirement",
              c.answered_no("O2_CHRONIC", "Chronic oxygen requirement (E6c).")),
    criterion("E6d", "E6d", ("SPO2_INDICATED", "SPO2_RA"),
              "SPO2_INDICATED = N or SPO2_RA >= spo2_min (spo2_reading COG: SPO2_RA > spo2_min) (P9)",
              "Room-air SpO₂ < {spo2_min} % (P9)", c.oxygen_saturation),
    criterion("E6e", "E6e", ("PLEUR_EFF_CUR", "PERIC_EFF_CUR"), "PLEUR_EFF_CUR = N and PERIC_EFF_CUR = N",
              "Current pleural/pericardial effusion", c.effusions),
    criterion("E7", "E7", ("EMERG_COND",), "EMERG_COND = N", "Emergency condition precludes treatment",
              c.answered_no("EMERG_COND", "Emergency condition precludes treatment (E7).")),
    criterion("E8", "E8", ("BM_ONLY", "BM_PATH_CONFIRMED"),
              "e8_reading P10: not (I5 not met and (UCAT_MAX_xULN > ucat_excl_multiple or (BM_ONLY = Y and "
              "BM_PATH_CONFIRMED = N))); LITERAL: not (UCAT_MAX_xULN > ucat_excl_multiple or (BM_ONLY = Y and "
              "BM_PATH_CONFIRMED = N))",
              "Only evaluable disease is catecholamines/BM (P10)", c.catecholamine_or_marrow_only),
    criterion("E9", "E9", ("WEIGHT_KG",),
              "no run of >= steroid_min_days consecutive days, ending between ENRLDT - steroid_recent_days and ENRLDT, "
              "on each of which the summed systemic (steroid_systemic_routes) prednisone-equivalent dose "
              "(steroid_factors) / WEIGHT_KG >= steroid_pred_eq_mgkgday (P11)",
              "Systemic steroid ≥{steroid_pred_eq_mgkgday} mg/kg/d pred-eq for ≥{steroid_min_days} d (P11)", c.steroids),
    criterion("E10", "E10", (),
              "no conmed in cyp3a4_strong_inhibitors/cyp3a4_strong_inducers (cyp3a4_strength_reading ANY: also "
              "cyp3a4_moderate_modulators), by a route not in cyp3a4_nonsystemic_routes, ongoing or with CMENDTC >= "
              "ENRLDT - cyp3a4_lookback_days (P12)",
              "Strong CYP3A4 inducer/inhibitor within {cyp3a4_lookback_days} d (P12)", c.cyp3a4),
    criterion("E12", "E12", ("OTHER_TRIAL_CUR", "OTHER_TRIAL_TYPE"),
              "OTHER_TRIAL_CUR = N, or OTHER_TRIAL_TYPE = OBSERVATIONAL when other_trial_observational_allowed",
              "Concurrent interventional trial", c.other_trial),
    criterion("E13", "E13", (),
              "no ongoing baseline condition with GRADE >= e13_min_grade in e13_socs (Investigations: "
              "e13_investigation_terms only)",
              "Unresolved CTCAE v5 grade ≥{e13_min_grade} organ toxicity", c.organ_toxicity),
    criterion("E14", "E14", ("COMPLY_ABLE",), "COMPLY_ABLE = Y", "Unable to comply with protocol",
              c.answered_yes("COMPLY_ABLE", "Unable to comply with protocol requirements (E14).")),
    criterion("E15", "E15", ("IC_PARENT_SIGNED", "ICDTC"),
              "IC_PARENT_SIGNED = Y and (when e15_procedures_after_consent) ICDTC <= every screening procedure date "
              "(LAB_DT, PLT_DT, CREAT_DT, ECHO_DT, MIBG_DT, CTMRI_DT, PET_DT)",
              "Signed guardian consent missing / after procedure", c.consent),
    criterion("E16", "E16", ("HIV_RESULT",), "HIV_RESULT = NEG", "HIV positive / HIV disease", c.hiv),
)


def _incomplete(crit: str, checks: tuple[Check, ...]) -> Check:
    assessments = [ASSESSMENTS[check.id] for check in checks]
    fields = tuple(dict.fromkeys(name for check in checks for name in check.fields))

    def test(ctx: CheckContext) -> str | None:
        verdict = all_met(assess(ctx) for assess in assessments)
        if not verdict.unknown:
            return None
        wanted = "; ".join(_label(name) for name in verdict.missing) or "the values it reads"
        return f"Criterion {crit} cannot be assessed, so the subject is not yet eligible: enter or correct {wanted}."

    return Check(f"{crit}.INCOMPLETE", "soft", fields,
                 f"every value criterion {crit} needs is present and readable",
                 f"Criterion {crit} cannot be assessed: values missing.", crit, test, criterion=crit)


_INCOMPLETE_CHECKS = tuple(
    _incomplete(crit, tuple(check for check in _CRITERION_CHECKS if check.criterion == crit)) for crit in CRITERIA
)


def _dob_plausible(ctx: CheckContext) -> str | None:
    birth, consent = ctx.get("BRTHDTC"), ctx.get("ICDTC")
    earliest = date.fromisoformat(str(ctx.params["dob_plausible_after"]))
    min_days = int(ctx.params["dob_min_age_days"])
    if birth > earliest and (consent - birth).days >= min_days:
        return None
    return (
        f"DOB implausible for pediatric trial: born {show(birth)}, consent {show(consent)} "
        f"({(consent - birth).days} days) (AGE2: born after {show(earliest)} and at least {min_days} days old)."
    )


def _refractory_borderline(ctx: CheckContext) -> str | None:
    response = ctx.get("INDUCT_RESP")
    if ctx.get("DIS_STATUS") == "REFRACTORY" and response in tuple(ctx.params["refractory_borderline_responses"]):
        return f"Confirm refractory status (response {response}): refractory read as below PR by INRC after ≥4 cycles (I1b)."
    return None


def _imaging_recent(ctx: CheckContext) -> str | None:
    window = int(ctx.params["imaging_window_days"])
    stale = c.stale_dates(ctx, ("MIBG_DT", "CTMRI_DT", "PET_DT"), window)
    return f"Baseline imaging older than {window} d before enrolment: {', '.join(stale)} (I5b)." if stale else None


def _schwartz_low(ctx: CheckContext) -> str | None:
    if c.creatinine_clearance_measured(ctx):
        return None
    estimates = [e for e in (_schwartz(ctx.values, ctx.params),) if e is not None]
    if ctx.get("CRCL_METHOD") == "EGFR_SCHWARTZ" and ctx.get("CRCL") is not None:
        estimates.append(ctx.get("CRCL"))
    limit, minimum = ctx.get("CREAT_MAX"), as_decimal(ctx.params["gfr_min"])
    if not estimates or limit is None or ctx.get("CREAT") is None or ctx.get("CREAT") > limit:
        return None
    lowest = min(estimates)
    if lowest >= minimum:
        return None
    return (
        f"Bedside Schwartz eGFR {show(lowest.quantize(D('0.1')))} mL/min/1.73 m² < {show(minimum)} while creatinine "
        f"{show(ctx.get('CREAT'))} mg/dL is within the maximum of {show(limit)}; confirm renal function (E3c)."
    )


def _enzyme_inducing_aed(ctx: CheckContext) -> str | None:
    found = c.enzyme_inducing_aeds(ctx)
    if not found:
        return None
    return f"Enzyme-inducing AED: check E10 ({', '.join(found)} induces CYP3A4) (E4b)."


def _physiologic_hydrocortisone(ctx: CheckContext) -> str | None:
    records = physiologic_steroid_records(read_conmeds(ctx.context.get("conmeds")), c.enrolment_date(ctx), ctx.params)
    if not records:
        return None
    listed = "; ".join(f"{r.label} {show(r.dose_mg_day)} mg/day" for r in records)
    return f"Hydrocortisone before enrolment: {listed}. Confirm whether physiologic replacement; it counts towards E9 (E9b)."


def _moderate_cyp3a4(ctx: CheckContext) -> str | None:
    described, _ = c.cyp3a4_modulators(ctx, "moderate")
    if not described:
        return None
    return (
        f"Moderate CYP3A4 modulator within {ctx.params['cyp3a4_lookback_days']} d of enrolment: {'; '.join(described)}. "
        f"Not excluding under P12 (strong only); confirm with the investigator (E10b)."
    )


def _labs_recent(ctx: CheckContext) -> str | None:
    window = int(ctx.params["lab_window_days"])
    stale = c.stale_dates(ctx, ("LAB_DT", "PLT_DT", "CREAT_DT"), window)
    return f"Eligibility lab outside window: {', '.join(stale)} before enrolment; at most {window} days (LABW)." if stale else None


def _echo_recent(ctx: CheckContext) -> str | None:
    window = int(ctx.params["echo_window_days"])
    stale = c.stale_dates(ctx, ("ECHO_DT",), window)
    return f"Eligibility echocardiogram outside window: {', '.join(stale)} before enrolment; at most {window} days (LABW)." if stale else None


_SCREENING_DATES = (
    "LAB_DT", "PLT_DT", "CREAT_DT", "ECHO_DT", "MIBG_DT", "CTMRI_DT", "PET_DT", "HIV_DT",
    "LAST_PLT_TX_DT", "LAST_RBC_TX_DT", "PRIOR_ASCT_DT",
)


def _date_sequence(ctx: CheckContext) -> str | None:
    problems = []
    birth, consent = ctx.get("BRTHDTC"), ctx.get("ICDTC")
    enrolled = c.enrolment_date(ctx)
    dated = [(name, ctx.get(name)) for name in ("ICDTC", *_SCREENING_DATES) if ctx.get(name) is not None]
    if birth is not None:
        problems += [f"{name} {show(day)} is before the date of birth {show(birth)}" for name, day in dated if day < birth]
    if enrolled is not None:
        problems += [f"{name} {show(day)} is after the planned enrolment {show(enrolled)}" for name, day in dated if day > enrolled]
        try:
            first_infusion = context_date(ctx.context.get("FIRST_INF_DT"))
        except Unreadable:
            first_infusion = None
        if first_infusion is not None and first_infusion < enrolled:
            problems.append(f"first infusion {show(first_infusion)} is before enrolment {show(enrolled)}")
    if not problems:
        return None
    return f"Date sequence error (ORD: birth ≤ consent ≤ screening procedures ≤ enrolment ≤ first infusion): {'; '.join(problems)}."


_SOFT_CHECKS: tuple[Check, ...] = (
    soft("AGE2", ("BRTHDTC",), "BRTHDTC > dob_plausible_after and ICDTC - BRTHDTC >= dob_min_age_days",
         "DOB implausible for pediatric trial", _dob_plausible, needs=("BRTHDTC", "ICDTC")),
    soft("I1b", ("INDUCT_RESP",), "DIS_STATUS = REFRACTORY and INDUCT_RESP in refractory_borderline_responses -> query",
         "Confirm refractory status (response PR or MR after induction)", _refractory_borderline),
    soft("I5b", ("MIBG_DT", "CTMRI_DT", "PET_DT"), "ENRLDT - each imaging date <= imaging_window_days",
         "Baseline imaging older than {imaging_window_days} d", _imaging_recent),
    soft("E3c", ("HEIGHT_CM", "CREAT"),
         "no measured CrCl/GFR and CREAT <= CREAT_MAX but bedside Schwartz eGFR (schwartz_k × HEIGHT_CM / CREAT, or "
         "CRCL by EGFR_SCHWARTZ) < gfr_min -> query",
         "Bedside Schwartz eGFR < {gfr_min}; confirm renal function", _schwartz_low),
    soft("E4b", ("AED_LIST",), "AED_LIST names one of enzyme_inducing_aeds -> query",
         "Enzyme-inducing AED: check E10", _enzyme_inducing_aed),
    soft("E9b", (), "systemic physiologic_steroids record in the E9 window -> query",
         "Hydrocortisone: confirm physiologic replacement", _physiologic_hydrocortisone),
    soft("E10b", (), "cyp3a4_moderate_modulators within cyp3a4_lookback_days before ENRLDT (STRONG_ONLY reading) -> query",
         "Moderate CYP3A4 modulator within {cyp3a4_lookback_days} d", _moderate_cyp3a4),
    soft("LABW", ("LAB_DT", "PLT_DT", "CREAT_DT"), "ENRLDT - each laboratory date <= lab_window_days",
         "Eligibility lab outside window", _labs_recent),
    soft("LABW_ECHO", ("ECHO_DT",), "ENRLDT - ECHO_DT <= echo_window_days", "Eligibility lab outside window",
         _echo_recent),
)

ORD = Check("ORD", "hard", ("BRTHDTC", "ICDTC", *_SCREENING_DATES),
            "BRTHDTC <= every date; ICDTC and screening dates <= ENRLDT <= FIRST_INF_DT (context)",
            "Date sequence error", "ORD", _date_sequence)

CHECKS: tuple[Check, ...] = _CRITERION_CHECKS + _INCOMPLETE_CHECKS + _SOFT_CHECKS + (ORD,)
_CRITERION_OF = {check.id: check.criterion for check in CHECKS if check.criterion}


def conclude(findings: list[Finding], ctx: CheckContext) -> dict[str, Any]:
    """``eligible`` and ``failed_criteria`` (README order): failed hard checks, unassessable criteria, and
    criteria that read a value entered in a form the system could not read (``<FIELD>.FORMAT``)."""
    unreadable = {f.fields[0] for f in findings if f.check.endswith(".FORMAT") and f.fields}
    failed = {_CRITERION_OF[f.check] for f in findings if f.check in _CRITERION_OF and not f.check.endswith(".INCOMPLETE")}
    unassessable = {_CRITERION_OF[f.check] for f in findings if f.check.endswith(".INCOMPLETE") and f.check in _CRITERION_OF}
    unassessable |= {check.criterion for check in _CRITERION_CHECKS if unreadable & set(check.fields)}  # type: ignore[misc]
    not_met = failed | unassessable
    return {
        "eligible": not not_met,
        "failed_criteria": [crit for crit in CRITERIA if crit in not_met],
        "unassessable_criteria": [crit for crit in CRITERIA if crit in unassessable - failed],
    }


SCREENING = FormDef(
    key="screening",
    version=1,
    title="Screening and eligibility",
    fields=FIELDS,
    checks=CHECKS,
    derive=derive,
    conclude=conclude,
    clause="Registry inclusion 1-5, exclusion 1-16; spec section 1",
    description="Every inclusion and exclusion criterion captured as its underlying values; eligibility is derived.",
)

FORMS: tuple[FormDef, ...] = (SCREENING,)
