"""Protocol parameters: eligibility (spec sections 0 and 1; registry inclusion 1-5, exclusion 1-16).

Keys that the spec names ``CFG.*`` keep that name.  Every reading the spec had to choose where the
registry text contradicts itself (P2-P13) is a parameter with ``assumption=True``; the ``*_reading``
switches select the alternative reading without touching the checks.
"""
from __future__ import annotations

from . import Parameter

_AGE = (
    Parameter("age_min_years", 2, "years", "AGE", "Registry: minimum eligible age 2 years; 'children between the ages of 2 to 16'."),
    Parameter("age_max_years", 16, "years", "AGE", "Registry: maximum eligible age 16 years."),
    Parameter(
        "age_max_inclusive", True, "flag", "AGE",
        "True: eligible until the day before the 17th birthday (age in completed years <= 16). False: eligible "
        "only until the day before the 16th birthday. Registry does not say which (spec section 0).",
        assumption=True,
    ),
    Parameter(
        "dob_plausible_after", "2005-01-01", "date", "AGE2",
        "Spec AGE2: a date of birth on or before this date is implausible for a paediatric trial starting 2024.",
    ),
    Parameter("dob_min_age_days", 730, "days", "AGE2", "Spec AGE2: consent date at least 730 days after birth."),
)

_DISEASE = (
    Parameter("induct_min_cycles", 4, "cycles", "I1I2", "Registry inclusion 1: at least 4 cycles of multi-drug induction."),
    Parameter(
        "refractory_responses", ("SD", "MR", "PD"), "INRC response", "I1I2 (I1b)",
        "Spec I1/I2 and I1b: 'not responding' to induction read as a response below PR by INRC.",
        assumption=True,
    ),
    Parameter(
        "refractory_borderline_responses", ("PR", "MR"), "INRC response", "I1b",
        "Spec I1b: PR or MR after induction with refractory status is borderline; query the site.",
        assumption=True,
    ),
    Parameter(
        "i1_i2_reading", "EITHER", "EITHER|BOTH", "I1I2 (P13)",
        "P13: EITHER = relapsed OR refractory high-risk NB (spec reading). BOTH = registry literal AND: "
        "refractory to induction AND relapse/progression after ASCT or aggressive therapy.",
        assumption=True,
    ),
    Parameter("life_expectancy_min_months", 6, "months", "I3", "Registry inclusion 3: life expectancy of at least 6 months."),
    Parameter("measurable_lesion_min_mm", 10, "mm", "I5", "Registry inclusion 5: measurable tumour of at least 10 mm on CT/MRI."),
    Parameter("imaging_window_days", 28, "days", "I5b", "Spec I5b: baseline imaging at most 28 days before enrolment.", assumption=True),
    Parameter("ucat_excl_multiple", 2, "x ULN", "E8", "Registry exclusion 6-: catecholamines more than twice the ULN."),
    Parameter(
        "e8_reading", "P10", "P10|LITERAL", "E8 (P10)",
        "P10: exclude only when catecholamines > 2 x ULN and/or unconfirmed marrow-only disease are the only "
        "evaluable disease (inclusion I5 not met). LITERAL: exclude whenever catecholamines > 2 x ULN or marrow-only "
        "disease lacks pathology confirmation, which contradicts inclusion I4.",
        assumption=True,
    ),
)

_MARROW_LIVER = (
    Parameter(
        "plt_min_per_ul", 50000, "/uL", "E1a (P2)",
        "P2: registry '> 50,000/uL' is inverted; exclude when platelets < 50,000/uL (COG convention).",
        assumption=True,
    ),
    Parameter(
        "plt_tx_free_days", 7, "days", "E1a (P2)",
        "Registry 'no platelet transfusion within one week': the qualifying count must be taken more than 7 days "
        "after the last platelet transfusion.",
    ),
    Parameter(
        "anc_min_per_ul", 500, "/uL", "E1b (P3)",
        "P3: registry 'maximum of 500' is inverted; exclude when ANC < 500/uL; 500 is eligible.",
        assumption=True,
    ),
    Parameter(
        "hgb_min_g_dl", 10, "g/dL", "E1c (P4)",
        "P4: registry '> 10 g/dL' is inverted; exclude when Hb < 10 g/dL; red cell transfusion allowed.",
        assumption=True,
    ),
    Parameter("bili_excl_multiple", 1.5, "x ULN", "E2a", "Registry exclusion 2: bilirubin more than 1.5 x the local, age-specific ULN."),
    Parameter("alt_uln_u_per_l", 45, "U/L", "E2b (P5)", "Registry exclusion 2: 45 U/L is the ULN for ALT (fixed, not the lab's)."),
    Parameter("alt_excl_multiple", 3, "x ULN", "E2b (P5)", "Registry exclusion 2: ALT three times the ULN."),
    Parameter(
        "alt_boundary_reading", "COG", "COG|LITERAL", "E2b (P5)",
        "P5: COG = exclude when ALT > 3 x 45 = 135 U/L (135 eligible). LITERAL = registry 'at least three times': "
        "exclude when ALT >= 135 U/L.",
        assumption=True,
    ),
)

_RENAL = (
    Parameter("gfr_min", 70, "mL/min/1.73 m2", "E3 (P6)", "Registry exclusion 3: creatinine clearance or radioisotope GFR < 70."),
    Parameter(
        "crcl_measured_methods", ("URINE_24H", "RADIOISOTOPE_GFR"), "method", "E3 (P6)",
        "P6: only a 24-hour urine creatinine clearance or a radioisotope GFR counts as measured; a bedside "
        "Schwartz estimate counts as not measured (it only raises query E3c).",
        assumption=True,
    ),
    Parameter(
        "renal_reading", "P6", "P6|LITERAL", "E3 (P6)",
        "P6: adequate when a measured CrCl/GFR >= 70, or, when not measured, serum creatinine <= the maximum "
        "for age and sex (COG OR-rule). LITERAL: the registry's two criteria apart - exclude when a measured "
        "CrCl/GFR < 70 and also whenever serum creatinine exceeds the maximum.",
        assumption=True,
    ),
    Parameter(
        "creat_rule", "COG_TABLE", "COG_TABLE|ULN_MULTIPLE", "E3 (spec 1.3)",
        "COG_TABLE: maximum serum creatinine from the COG age/sex table (spec 1.3). ULN_MULTIPLE: registry "
        "'> 1.5 x ULN for age/gender' with the local laboratory's age/sex ULN (option B).",
        assumption=True,
    ),
    Parameter(
        "creat_max_table",
        ((1, 0.6, 0.6), (2, 0.8, 0.8), (6, 1.0, 1.0), (10, 1.2, 1.2), (13, 1.5, 1.4), (16, 1.7, 1.4)),
        "(age from, male mg/dL, female mg/dL)", "E3 (spec 1.3)",
        "COG/NANT maximum serum creatinine by completed age at the sample date and sex (Schwartz 1985); "
        "each row applies from its age up to the next row's age.",
    ),
    Parameter("creat_uln_multiple", 1.5, "x ULN", "E3 (spec 1.3 option B)", "Registry exclusion 3: creatinine more than 1.5 x ULN."),
    Parameter("schwartz_k", 0.413, "mL/min/1.73 m2 per cm/(mg/dL)", "E3c", "Bedside Schwartz 2009: eGFR = 0.413 x height (cm) / creatinine (mg/dL)."),
)

_CNS_HEART_LUNG = (
    Parameter(
        "seizure_reading", "UNCONTROLLED", "UNCONTROLLED|ANY", "E4 (P7)",
        "P7: UNCONTROLLED = exclude only a seizure disorder not well controlled on anticonvulsants (COG). "
        "ANY = exclude any seizure disorder (first half of the garbled registry sentence).",
        assumption=True,
    ),
    Parameter(
        "enzyme_inducing_aeds", ("carbamazepine", "phenytoin", "fosphenytoin", "phenobarbital", "primidone", "oxcarbazepine"),
        "drug", "E4b",
        "Spec E4b: anticonvulsants that induce CYP3A4; cross-check with exclusion E10.",
    ),
    Parameter("sf_min", 27, "%", "E5 (P8)", "Registry exclusion 3-: shortening fraction < 27 % by echocardiography."),
    Parameter("ef_min", 50, "%", "E5 (P8)", "Registry exclusion 3-: ejection fraction < 50 % by echo or gated radionuclide study."),
    Parameter(
        "cardiac_reading", "REGISTRY", "REGISTRY|COG_EITHER", "E5 (P8)",
        "P8: REGISTRY = exclude when any measured SF < 27 % or any measured EF < 50 % (at least one measured). "
        "COG_EITHER = adequate when SF >= 27 % or EF >= 50 %.",
        assumption=True,
    ),
    Parameter("echo_window_days", 28, "days", "LABW", "Spec LABW: echocardiogram at most 28 days before enrolment.", assumption=True),
    Parameter("spo2_min", 94, "%", "E6d (P9)", "Registry exclusion 4-: room-air pulse oximetry < 94 %."),
    Parameter(
        "spo2_reading", "REGISTRY", "REGISTRY|COG", "E6d (P9)",
        "P9: REGISTRY = exclude when SpO2 < 94 % (94 eligible). COG = adequacy needs SpO2 > 94 % (94 excluded).",
        assumption=True,
    ),
)

_MEDICATIONS = (
    Parameter("steroid_pred_eq_mgkgday", 0.5, "mg/kg/day", "E9 (P11)", "Registry exclusion 7-: 0.5 mg/kg/day prednisone-equivalent systemic steroid."),
    Parameter("steroid_min_days", 7, "days", "E9 (P11)", "Registry exclusion 7-: for at least 7 days."),
    Parameter(
        "steroid_recent_days", 7, "days", "E9 (P11)",
        "P11: the run of qualifying days must end no earlier than this many days before enrolment (spec: ending "
        "<= ENRLDT and >= ENRLDT - 7); a dose on the enrolment day counts as ongoing at enrolment.",
        assumption=True,
    ),
    Parameter(
        "steroid_factors",
        {"prednisone": 1, "prednisolone": 1, "methylprednisolone": 1.25, "dexamethasone": 6.67,
         "betamethasone": 8.33, "hydrocortisone": 0.25, "cortisone": 0.2},
        "mg prednisone per mg", "E9 (spec 1.4)",
        "Spec 1.4: prednisone-equivalent factors (5 mg prednisone = 4 mg methylprednisolone = 0.75 mg "
        "dexamethasone = 0.6 mg betamethasone = 20 mg hydrocortisone = 25 mg cortisone).",
    ),
    Parameter(
        "steroid_systemic_routes", ("ORAL", "IV", "IM"), "route", "E9 (spec 1.4)",
        "Spec 1.4: systemic routes only; topical, inhaled, intranasal, intra-articular and ophthalmic excluded.",
        assumption=True,
    ),
    Parameter(
        "physiologic_steroids", ("hydrocortisone",), "drug", "E9b (spec 1.4)",
        "Spec 1.4: physiologic hydrocortisone replacement (e.g. after adrenalectomy) raises a query.",
    ),
    Parameter("cyp3a4_lookback_days", 7, "days", "E10 (P12)", "Registry exclusion 8-: CYP3A4 inducers or inhibitors within 7 days before enrolment."),
    Parameter(
        "cyp3a4_strong_inhibitors",
        ("ketoconazole", "itraconazole", "posaconazole", "voriconazole", "clarithromycin", "telithromycin",
         "ritonavir", "cobicistat", "indinavir", "nelfinavir", "saquinavir", "nefazodone", "conivaptan",
         "idelalisib", "grapefruit juice"),
        "drug", "E10 (spec 1.5)", "Spec 1.5 strong CYP3A4 inhibitors (FDA drug-interaction table).",
    ),
    Parameter(
        "cyp3a4_strong_inducers",
        ("rifampicin", "carbamazepine", "phenytoin", "phenobarbital", "primidone", "st john's wort",
         "mitotane", "enzalutamide", "apalutamide"),
        "drug", "E10 (spec 1.5)", "Spec 1.5 strong CYP3A4 inducers (FDA drug-interaction table).",
    ),
    Parameter(
        "cyp3a4_moderate_modulators",
        ("fluconazole", "erythromycin", "diltiazem", "verapamil", "aprepitant", "ciprofloxacin", "rifabutin"),
        "drug", "E10b (spec 1.5)",
        "Spec 1.5 moderate inhibitors (query only) and rifabutin, listed by the spec among inducers but marked "
        "moderate.",
        assumption=True,
    ),
    Parameter(
        "cyp3a4_strength_reading", "STRONG_ONLY", "STRONG_ONLY|ANY", "E10 (P12)",
        "P12: STRONG_ONLY = only strong inducers/inhibitors exclude; moderate ones raise query E10b. ANY = "
        "moderate ones exclude too ('inducers or inhibitors' taken without qualification).",
        assumption=True,
    ),
    Parameter(
        "cyp3a4_nonsystemic_routes", ("TOPICAL", "OPHTHALMIC"), "route", "E10 (P12)",
        "Routes without relevant systemic exposure; records by these routes do not count for E10.",
        assumption=True,
    ),
)

_OTHER = (
    Parameter(
        "other_trial_observational_allowed", True, "flag", "E12",
        "Spec E12: concurrent observational study or registry allowed; only interventional trials exclude.",
        assumption=True,
    ),
    Parameter("e13_min_grade", 3, "CTCAE grade", "E13", "Registry exclusion 13: organ toxicity above grade 2 (CTCAE v5.0)."),
    Parameter(
        "e13_socs",
        ("Renal and urinary disorders", "Cardiac disorders", "Hepatobiliary disorders", "Nervous system disorders",
         "Respiratory, thoracic and mediastinal disorders", "Gastrointestinal disorders"),
        "MedDRA SOC", "E13",
        "Registry exclusion 13: renal, cardiac, hepatic, neurological, pulmonary or gastrointestinal toxicity.",
    ),
    Parameter(
        "e13_investigation_terms",
        ("Alanine aminotransferase increased", "Aspartate aminotransferase increased", "Blood bilirubin increased",
         "Alkaline phosphatase increased", "GGT increased"),
        "CTCAE term", "E13",
        "Spec E13: from the Investigations SOC only the liver terms count as hepatic toxicity.",
        assumption=True,
    ),
    Parameter(
        "e15_procedures_after_consent", True, "flag", "E15",
        "Spec E15/ORD: guardian consent dated on or before every screening procedure (labs, echo, imaging). False "
        "accepts standard-of-care results obtained before consent.",
        assumption=True,
    ),
    Parameter("lab_window_days", 7, "days", "LABW", "Spec LABW: eligibility laboratory values at most 7 days before enrolment (COG norm).", assumption=True),
)

PARAMETERS: tuple[Parameter, ...] = _AGE + _DISEASE + _MARROW_LIVER + _RENAL + _CNS_HEART_LUNG + _MEDICATIONS + _OTHER
