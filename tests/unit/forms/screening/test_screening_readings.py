"""The contradictory registry readings (spec 1.1, P-numbers): the default and each alternative under its switch."""
from __future__ import annotations

import pytest


def med(name, dose, start, end=None, route="ORAL"):
    return {"CMTRT": name, "CMDOSE_MG_DAY": dose, "CMROUTE": route, "CMSTDTC": start, "CMENDTC": end}


REFRACTORY_THEN_RELAPSED = {"DIS_STATUS": "RELAPSED", "INDUCT_CYC_N": "4", "INDUCT_RESP": "SD", "PRIOR_ASCT": "Y"}
MEASURED_BUT_HIGH_CREATININE = {"CRCL_METHOD": "URINE_24H", "CRCL": "80", "CREAT": "1.2"}
RAISED_CATECHOLAMINES = {"UCAT_VMA": "30"}

READING_ROWS = [
    # (name, overrides, data, context, failed under the default reading, failed under the alternative)
    ("age: 16 years 364 days", {"age_max_inclusive": False}, {"BRTHDTC": "2008-01-07"}, {}, [], ["AGE"]),
    ("age: 15 years", {"age_max_inclusive": False}, {"BRTHDTC": "2009-06-01"}, {}, [], []),
    ("P13: refractory to induction only", {"i1_i2_reading": "BOTH"}, {}, {}, [], ["I1I2"]),
    ("P13: refractory to induction, then relapsed after ASCT", {"i1_i2_reading": "BOTH"}, REFRACTORY_THEN_RELAPSED, {},
     [], []),
    ("P5: ALT 135", {"alt_boundary_reading": "LITERAL"}, {"ALT": "135"}, {}, [], ["E2b"]),
    ("P5: ALT 134.9", {"alt_boundary_reading": "LITERAL"}, {"ALT": "134.9"}, {}, [], []),
    ("P6: measured clearance adequate, creatinine above the table", {"renal_reading": "LITERAL"},
     MEASURED_BUT_HIGH_CREATININE, {}, [], ["E3"]),
    ("P6: measured clearance low, creatinine normal", {"renal_reading": "LITERAL"},
     {"CRCL_METHOD": "URINE_24H", "CRCL": "60"}, {}, ["E3"], ["E3"]),
    ("1.3 option B: creatinine above 1.5 x lab ULN", {"creat_rule": "ULN_MULTIPLE"},
     {"CREAT": "1.0", "CREAT_ULN": "0.6"}, {}, [], ["E3"]),
    ("1.3 option B: creatinine at 1.5 x lab ULN", {"creat_rule": "ULN_MULTIPLE"},
     {"CREAT": "1.05", "CREAT_ULN": "0.7"}, {}, ["E3"], []),
    ("1.3 option B: lab ULN not entered", {"creat_rule": "ULN_MULTIPLE"}, {"CREAT": "0.5"}, {}, [], ["E3"]),
    ("P6: Schwartz estimate counted as measured", {"crcl_measured_methods": ["URINE_24H", "RADIOISOTOPE_GFR",
                                                                            "EGFR_SCHWARTZ"]},
     {"CRCL_METHOD": "EGFR_SCHWARTZ", "CRCL": "60"}, {}, [], ["E3"]),
    ("P7: controlled seizures", {"seizure_reading": "ANY"}, {"SEIZ_HX": "Y", "SEIZ_CONTROLLED": "Y"}, {}, [], ["E4"]),
    ("P8: SF low, EF adequate", {"cardiac_reading": "COG_EITHER"}, {"SF_PCT": "26", "EF_PCT": "60"}, {}, ["E5"], []),
    ("P8: SF adequate, EF low", {"cardiac_reading": "COG_EITHER"}, {"SF_PCT": "30", "EF_PCT": "45"}, {}, ["E5"], []),
    ("P8: both low", {"cardiac_reading": "COG_EITHER"}, {"SF_PCT": "26", "EF_PCT": "49"}, {}, ["E5"], ["E5"]),
    ("P8: SF low, EF not measured", {"cardiac_reading": "COG_EITHER"}, {"SF_PCT": "26", "EF_PCT": None}, {},
     ["E5"], ["E5"]),
    ("P9: SpO2 94", {"spo2_reading": "COG"}, {"SPO2_RA": "94"}, {}, [], ["E6d"]),
    ("P9: SpO2 95", {"spo2_reading": "COG"}, {"SPO2_RA": "95"}, {}, [], []),
    ("P10: raised catecholamines with measurable disease", {"e8_reading": "LITERAL"}, RAISED_CATECHOLAMINES, {},
     [], ["E8"]),
    ("P10: catecholamines exactly 2 x ULN", {"e8_reading": "LITERAL"}, {"UCAT_VMA": "24"}, {}, [], []),
    ("P10: unconfirmed marrow-only disease with measurable disease", {"e8_reading": "LITERAL"},
     {"BM_ONLY": "Y", "BM_PATH_CONFIRMED": "N"}, {}, [], ["E8"]),
    ("P11: 7-day course ending 7 days before enrolment", {"steroid_recent_days": 0}, {},
     {"conmeds": [med("Prednisone", "10", "2025-01-02", "2025-01-08")]}, ["E9"], []),
    ("P11: 7-day course ending on enrolment", {"steroid_recent_days": 0}, {},
     {"conmeds": [med("Prednisone", "10", "2025-01-09", "2025-01-15")]}, ["E9"], ["E9"]),
    ("P12: moderate inhibitor", {"cyp3a4_strength_reading": "ANY"}, {},
     {"conmeds": [med("Fluconazole", "100", "2024-12-01")]}, [], ["E10"]),
    ("P12: topical strong inhibitor counted", {"cyp3a4_nonsystemic_routes": []}, {},
     {"conmeds": [med("Ketoconazole", "10", "2024-12-01", None, "TOPICAL")]}, [], ["E10"]),
    ("E12: observational study", {"other_trial_observational_allowed": False},
     {"OTHER_TRIAL_CUR": "Y", "OTHER_TRIAL_TYPE": "OBSERVATIONAL"}, {}, [], ["E12"]),
    ("E15: labs before consent", {"e15_procedures_after_consent": False}, {"ICDTC": "2025-01-11"}, {}, ["E15"], []),
    ("E13: grade 3 toxicity with the threshold moved to 4", {"e13_min_grade": 4}, {},
     {"baseline_conditions": [{"TERM": "Colitis", "SOC": "Gastrointestinal disorders", "GRADE": "3", "ONGOING": "Y"}]},
     ["E13"], []),
]


@pytest.mark.parametrize(
    "overrides, data, context, default_failed, alternative_failed",
    [pytest.param(o, d, c, df, af, id=n) for n, o, d, c, df, af in READING_ROWS],
)
def test_reading(screen, overrides, data, context, default_failed, alternative_failed):
    assert screen(data, context).failed == default_failed
    alternative = screen(data, context, params=overrides)
    assert alternative.failed == alternative_failed
    for criterion in alternative_failed:
        assert any(f["clause"] == criterion for f in alternative.findings)


def test_the_registry_default_is_the_reading_the_harness_applies(screen):
    assert screen({"ALT": "135"}).failed == screen({"ALT": "135"}, params={}).failed == []


@pytest.mark.parametrize("overrides, data, failed", [
    pytest.param({"plt_min_per_ul": 75000}, {"PLT": "74999"}, ["E1a"], id="platelet limit"),
    pytest.param({"anc_min_per_ul": 1000}, {"ANC": "999"}, ["E1b"], id="neutrophil limit"),
    pytest.param({"hgb_min_g_dl": 8}, {"HGB": "8"}, [], id="haemoglobin limit"),
    pytest.param({"gfr_min": 60}, {"CRCL_METHOD": "URINE_24H", "CRCL": "60"}, [], id="GFR limit"),
    pytest.param({"spo2_min": 90}, {"SPO2_RA": "90"}, [], id="saturation limit"),
    pytest.param({"age_min_years": 1}, {"BRTHDTC": "2023-06-01"}, [], id="minimum age"),
    pytest.param({"plt_tx_free_days": 3}, {"LAST_PLT_TX_DT": "2025-01-06"}, [], id="transfusion-free days"),
])
def test_thresholds_are_read_from_the_protocol_parameters(screen, overrides, data, failed):
    assert screen(data, params=overrides).failed == failed
