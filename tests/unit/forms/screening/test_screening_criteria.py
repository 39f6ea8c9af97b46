"""Each eligibility criterion, through the public harness: pass, fail and the boundary values.

Every row starts from the eligible case and changes only what the row names; the row states which hard
check fires (None: none) and the exact ``failed_criteria`` that results.
"""
from __future__ import annotations

import pytest

ENRL = "2025-01-15"


def row(name, data=None, context=None, fires=None, failed=(), clause=None):
    return pytest.param(data or {}, context or {}, fires, list(failed), clause, id=name)


RELAPSED = {"DIS_STATUS": "RELAPSED", "INDUCT_RESP": "PR"}
MARROW_DX = {"DX_METHOD": "BM_TUMOR_PLUS_CATECH", "DX_HISTO": None, "BM_TUMOR": "Y"}
NO_MIBG_TARGET = {"LES_MIBG_AVID": "N"}
UNMEASURED = {"CRCL_METHOD": None, "CRCL": None}

CRITERIA_ROWS = [
    # AGE: completed years at consent (ICDTC 2025-01-06)
    row("age exactly 2 on the consent day is eligible", {"BRTHDTC": "2023-01-06"}),
    row("age one day short of the 2nd birthday is not eligible", {"BRTHDTC": "2023-01-07"}, fires="AGE", failed=["AGE"]),
    row("age 16 years 364 days is eligible", {"BRTHDTC": "2008-01-07"}),
    row("age on the 17th birthday is not eligible", {"BRTHDTC": "2008-01-06"}, fires="AGE", failed=["AGE"]),
    row("born on 29 February is 1 on 28 February of a common year",
        {"BRTHDTC": "2020-02-29", "ICDTC": "2022-02-28"}, fires="AGE", failed=["AGE"]),
    row("born on 29 February turns 2 on 1 March of a common year", {"BRTHDTC": "2020-02-29", "ICDTC": "2022-03-01"}),
    row("birth after consent fails age and leaves no creatinine limit", {"BRTHDTC": "2025-01-07"}, fires="AGE",
        failed=["AGE", "E3"]),
    # I1/I2: relapsed OR refractory high-risk (P13)
    row("refractory after exactly 4 induction cycles is eligible", {"INDUCT_CYC_N": "4"}),
    row("refractory after 3 induction cycles is not eligible", {"INDUCT_CYC_N": "3"}, fires="I1I2", failed=["I1I2"]),
    row("intermediate risk is not eligible", {"INRG_RISK": "INTERMEDIATE"}, fires="I1I2", failed=["I1I2"]),
    row("refractory with a partial response is not eligible", {"INDUCT_RESP": "PR"}, fires="I1I2", failed=["I1I2"]),
    row("refractory with progressive disease is eligible", {"INDUCT_RESP": "PD"}),
    row("relapse after ASCT is eligible", {**RELAPSED, "PRIOR_ASCT": "Y", "PRIOR_ASCT_DT": "2024-03-01"}),
    row("progression after aggressive therapy is eligible", {"DIS_STATUS": "PROGRESSIVE", "PRIOR_AGGR_THER": "Y"}),
    row("relapse without ASCT or aggressive therapy is not eligible", {**RELAPSED, "PRIOR_AGGR_THER": "N"},
        fires="I1I2", failed=["I1I2"]),
    # I3
    row("life expectancy of 6 months is eligible", {"LIFE_EXP_M": "6"}),
    row("life expectancy of 5 months is not eligible", {"LIFE_EXP_M": "5"}, fires="I3", failed=["I3"]),
    # I4
    row("nodular ganglioneuroblastoma histology is eligible", {"DX_HISTO": "GNB_NODULAR"}),
    row("marrow tumour cells with VMA above its limit are eligible", {**MARROW_DX, "UCAT_VMA": "12.1"}),
    row("marrow tumour cells with HVA above its limit are eligible", {**MARROW_DX, "UCAT_HVA": "16"}),
    row("marrow tumour cells with VMA at its limit are not a diagnosis", {**MARROW_DX, "UCAT_VMA": "12"},
        fires="I4", failed=["I4"]),
    row("raised catecholamines without marrow tumour cells are not a diagnosis",
        {**MARROW_DX, "BM_TUMOR": "N", "UCAT_VMA": "30"}, fires="I4", failed=["I4"]),
    # I5
    row("a 10 mm MIBG-avid lesion is measurable disease", {"LES_LD_MM": "10"}),
    row("a 9.9 mm MIBG-avid lesion is not measurable disease", {"LES_LD_MM": "9.9"}, fires="I5", failed=["I5"]),
    row("a non-avid lesion without PET is not measurable disease", NO_MIBG_TARGET, fires="I5", failed=["I5"]),
    row("FDG-avid disease alone is enough", {**NO_MIBG_TARGET, "FDG_AVID": "Y", "PET_DT": "2025-01-08"}),
    row("FDG-PET without avidity and no MIBG target is not enough",
        {**NO_MIBG_TARGET, "FDG_AVID": "N", "PET_DT": "2025-01-08"}, fires="I5", failed=["I5"]),
    # E1a (P2)
    row("platelets 50,000 are eligible", {"PLT": "50000"}),
    row("platelets 49,999 are not eligible", {"PLT": "49999"}, fires="E1a", failed=["E1a"]),
    row("platelet transfusion 8 days before the count is transfusion independent", {"LAST_PLT_TX_DT": "2025-01-02"}),
    row("platelet transfusion 7 days before the count is not", {"LAST_PLT_TX_DT": "2025-01-03"},
        fires="E1a", failed=["E1a"]),
    # E1b (P3), E1c (P4)
    row("ANC 500 is eligible", {"ANC": "500"}),
    row("ANC 499 is not eligible", {"ANC": "499"}, fires="E1b", failed=["E1b"]),
    row("haemoglobin 10.0 is eligible", {"HGB": "10.0"}),
    row("haemoglobin 9.9 is not eligible", {"HGB": "9.9"}, fires="E1c", failed=["E1c"]),
    row("haemoglobin reached by red cell transfusion is eligible", {"HGB": "10.1", "LAST_RBC_TX_DT": "2025-01-09"}),
    # E2a, E2b (P5)
    row("bilirubin exactly 1.5 x ULN is eligible", {"BILI": "1.5", "BILI_ULN": "1.0"}),
    row("bilirubin above 1.5 x ULN is not eligible", {"BILI": "1.51", "BILI_ULN": "1.0"}, fires="E2a", failed=["E2a"]),
    row("ALT 135 is eligible", {"ALT": "135"}),
    row("ALT 136 is not eligible", {"ALT": "136"}, fires="E2b", failed=["E2b"]),
    row("ALT 135.1 is not eligible", {"ALT": "135.1"}, fires="E2b", failed=["E2b"]),
    # E3 (P6), creatinine table for a 7-year-old: 1.0 mg/dL
    row("measured clearance 70 is adequate despite a high creatinine",
        {"CRCL_METHOD": "URINE_24H", "CRCL": "70", "CREAT": "2.0"}),
    row("radioisotope GFR 69 is not adequate", {"CRCL_METHOD": "RADIOISOTOPE_GFR", "CRCL": "69"},
        fires="E3a", failed=["E3"], clause="E3"),
    row("unmeasured clearance with creatinine at the table maximum is adequate", {**UNMEASURED, "CREAT": "1.0"}),
    row("unmeasured clearance with creatinine above the table maximum is not", {**UNMEASURED, "CREAT": "1.01"},
        fires="E3b", failed=["E3"], clause="E3"),
    row("a Schwartz estimate counts as not measured", {"CRCL_METHOD": "EGFR_SCHWARTZ", "CRCL": "90", "CREAT": "1.1"},
        fires="E3b", failed=["E3"], clause="E3"),
    row("a 14-year-old girl may have creatinine 1.4",
        {"BRTHDTC": "2010-06-01", "SEX": "F", "CREAT": "1.4", "HEIGHT_CM": "160"}),
    row("a 14-year-old girl may not have creatinine 1.5",
        {"BRTHDTC": "2010-06-01", "SEX": "F", "CREAT": "1.5", "HEIGHT_CM": "160"}, fires="E3b", failed=["E3"], clause="E3"),
    row("a 14-year-old boy may have creatinine 1.5", {"BRTHDTC": "2010-06-01", "CREAT": "1.5", "HEIGHT_CM": "160"}),
    row("the creatinine limit uses the age on the sample date", {"BRTHDTC": "2015-01-08", "CREAT": "1.1", "HEIGHT_CM": "140"}),
    row("without a sample date the age at consent sets the limit",
        {"BRTHDTC": "2015-01-08", "CREAT": "1.1", "HEIGHT_CM": "140", "CREAT_DT": None},
        fires="E3b", failed=["E3"], clause="E3"),
    # E4 (P7)
    row("controlled seizures are eligible", {"SEIZ_HX": "Y", "SEIZ_CONTROLLED": "Y", "AED_LIST": "levetiracetam"}),
    row("uncontrolled seizures are not eligible", {"SEIZ_HX": "Y", "SEIZ_CONTROLLED": "N"}, fires="E4", failed=["E4"]),
    # E5 (P8, registry reading)
    row("shortening fraction 27 is adequate", {"SF_PCT": "27"}),
    row("shortening fraction 26.9 is not", {"SF_PCT": "26.9"}, fires="E5", failed=["E5"]),
    row("ejection fraction 50 is adequate", {"EF_PCT": "50"}),
    row("ejection fraction 49 is not even with a good shortening fraction", {"EF_PCT": "49"}, fires="E5", failed=["E5"]),
    row("ejection fraction alone is enough", {"SF_PCT": None, "EF_PCT": "55"}),
    row("shortening fraction alone is enough", {"SF_PCT": "30", "EF_PCT": None, "EF_METHOD": None}),
    # E6
    row("dyspnoea at rest excludes", {"DYSP_REST": "Y"}, fires="E6a", failed=["E6a"]),
    row("exercise intolerance excludes", {"EX_INTOL": "Y"}, fires="E6b", failed=["E6b"]),
    row("chronic oxygen excludes", {"O2_CHRONIC": "Y"}, fires="E6c", failed=["E6c"]),
    row("room-air saturation 94 is eligible", {"SPO2_RA": "94"}),
    row("room-air saturation 93 is not eligible", {"SPO2_RA": "93"}, fires="E6d", failed=["E6d"]),
    row("saturation not indicated is not judged", {"SPO2_INDICATED": "N", "SPO2_RA": "80"}),
    row("a pleural effusion excludes", {"PLEUR_EFF_CUR": "Y"}, fires="E6e", failed=["E6e"]),
    row("a pericardial effusion excludes", {"PERIC_EFF_CUR": "Y"}, fires="E6e", failed=["E6e"]),
    # E7
    row("an emergency condition excludes", {"EMERG_COND": "Y", "EMERG_COND_TEXT": "spinal cord compression"},
        fires="E7", failed=["E7"]),
    # E8 (P10)
    row("raised catecholamines with measurable disease do not exclude", {"UCAT_VMA": "36"}),
    row("catecholamines above 2 x ULN as the only disease exclude",
        {**NO_MIBG_TARGET, "UCAT_VMA": "30"}, fires="E8", failed=["I5", "E8"]),
    row("catecholamines exactly 2 x ULN as the only disease fail only I5",
        {**NO_MIBG_TARGET, "UCAT_VMA": "24"}, fires="I5", failed=["I5"]),
    row("unconfirmed marrow-only disease excludes",
        {**NO_MIBG_TARGET, "BM_ONLY": "Y", "BM_PATH_CONFIRMED": "N"}, fires="E8", failed=["I5", "E8"]),
    row("pathology-confirmed marrow-only disease fails only I5",
        {**NO_MIBG_TARGET, "BM_ONLY": "Y", "BM_PATH_CONFIRMED": "Y"}, fires="I5", failed=["I5"]),
    # E12, E14, E15, E16
    row("a concurrent observational study is allowed", {"OTHER_TRIAL_CUR": "Y", "OTHER_TRIAL_TYPE": "OBSERVATIONAL"}),
    row("a concurrent interventional trial excludes", {"OTHER_TRIAL_CUR": "Y", "OTHER_TRIAL_TYPE": "INTERVENTIONAL"},
        fires="E12", failed=["E12"]),
    row("inability to comply excludes", {"COMPLY_ABLE": "N"}, fires="E14", failed=["E14"]),
    row("missing guardian signature excludes", {"IC_PARENT_SIGNED": "N"}, fires="E15", failed=["E15"]),
    row("imaging on the consent day follows consent", {"ICDTC": "2025-01-08"}),
    row("labs before consent exclude", {"ICDTC": "2025-01-11"}, fires="E15", failed=["E15"]),
    row("a positive HIV test excludes", {"HIV_RESULT": "POS"}, fires="E16", failed=["E16"]),
    row("an indeterminate HIV test excludes", {"HIV_RESULT": "IND"}, fires="E16", failed=["E16"]),
    # E13
    row("ongoing grade 3 cardiac toxicity excludes",
        {}, {"baseline_conditions": [{"TERM": "Heart failure", "SOC": "Cardiac disorders", "GRADE": "3", "ONGOING": "Y"}]},
        fires="E13", failed=["E13"]),
    row("resolved grade 3 cardiac toxicity does not exclude",
        {}, {"baseline_conditions": [{"TERM": "Heart failure", "SOC": "Cardiac disorders", "GRADE": "3", "ONGOING": "N"}]}),
    row("ongoing grade 2 renal toxicity does not exclude",
        {}, {"baseline_conditions": [{"TERM": "Acute kidney injury", "SOC": "Renal and urinary disorders", "GRADE": 2,
                                      "ONGOING": "Y"}]}),
    row("ongoing grade 3 ALT increase counts as hepatic toxicity",
        {}, {"baseline_conditions": [{"TERM": "Alanine aminotransferase increased", "SOC": "Investigations",
                                      "GRADE": "3", "ONGOING": "Y"}]}, fires="E13", failed=["E13"]),
    row("ongoing grade 4 platelet decrease is not organ toxicity",
        {}, {"baseline_conditions": [{"TERM": "Platelet count decreased", "SOC": "Investigations", "GRADE": "4",
                                      "ONGOING": "Y"}]}),
    row("ongoing grade 3 anaemia is not organ toxicity",
        {}, {"baseline_conditions": [{"TERM": "Anemia", "SOC": "Blood and lymphatic system disorders", "GRADE": "3",
                                      "ONGOING": "Y"}]}),
    row("system organ classes match regardless of case",
        {}, {"baseline_conditions": [{"TERM": "Pneumonitis", "SOC": "respiratory, thoracic and mediastinal disorders",
                                      "GRADE": "3", "ONGOING": True}]}, fires="E13", failed=["E13"]),
]


@pytest.mark.parametrize("data, context, fires, failed, clause", CRITERIA_ROWS)
def test_criterion(screen, data, context, fires, failed, clause):
    result = screen(data, context)
    hard = [f for f in result.findings if f["severity"] == "hard"]
    if fires is None:
        assert hard == []
    else:
        found = result.finding(fires)
        assert found["severity"] == "hard"
        assert found["clause"] == (clause or fires)
        assert found["message"]
    assert result.failed == failed
    assert result.eligible is (not failed)


@pytest.mark.parametrize("data, context, failed", [
    pytest.param({"LIFE_EXP_M": None}, {}, ["I3"], id="life expectancy blank"),
    pytest.param({"PLT": None}, {}, ["E1a"], id="platelets blank"),
    pytest.param({"LAST_PLT_TX_DT": "2025-01-01", "PLT_DT": None}, {}, ["E1a"], id="transfusion without count date"),
    pytest.param({"BILI_ULN": None}, {}, ["E2a"], id="bilirubin limit blank"),
    pytest.param({"CREAT": None}, {}, ["E3"], id="creatinine blank without measured clearance"),
    pytest.param({"SEX": None}, {}, ["E3"], id="sex blank for the creatinine table"),
    pytest.param({"SEIZ_HX": "Y", "SEIZ_CONTROLLED": None}, {}, ["E4"], id="seizure control blank"),
    pytest.param({"SF_PCT": None, "EF_PCT": None}, {}, ["E5"], id="no cardiac function measured"),
    pytest.param({"SPO2_RA": None}, {}, ["E6d"], id="indicated saturation blank"),
    pytest.param({"DIS_STATUS": "RELAPSED", "PRIOR_ASCT": "N", "PRIOR_AGGR_THER": None}, {}, ["I1I2"],
                 id="relapse with aggressive therapy unanswered"),
    pytest.param({"DX_METHOD": "HISTOLOGY", "DX_HISTO": None}, {}, ["I4"], id="histology blank"),
    pytest.param({"LES_MIBG_AVID": "N", "PET_DT": "2025-01-08"}, {}, ["I5"], id="PET done but avidity blank"),
    pytest.param({"OTHER_TRIAL_CUR": "Y"}, {}, ["E12"], id="other study type blank"),
    pytest.param({"HIV_RESULT": None}, {}, ["E16"], id="HIV result blank"),
    pytest.param({"ICDTC": None}, {}, ["AGE", "E15"], id="consent date blank"),
    pytest.param({}, {"baseline_conditions": [{"TERM": "Colitis", "SOC": "Gastrointestinal disorders", "GRADE": None,
                                               "ONGOING": "Y"}]}, ["E13"], id="organ condition without grade"),
])
def test_a_criterion_that_cannot_be_assessed_is_failed_and_says_what_to_enter(screen, data, context, failed):
    result = screen(data, context)
    assert result.failed == failed
    assert result.eligible is False
    assert result.checks("hard") == []
    for criterion in failed:
        incomplete = result.finding(f"{criterion}.INCOMPLETE")
        assert incomplete["severity"] == "soft" and incomplete["clause"] == criterion
        assert "cannot be assessed" in incomplete["message"]


def test_failure_messages_embed_the_values_and_cite_the_reading(screen):
    assert "49,999" in screen({"PLT": "49999"}).finding("E1a")["message"]
    assert "P2" in screen({"PLT": "49999"}).finding("E1a")["message"]
    message = screen({"ALT": "136"}).finding("E2b")["message"]
    assert "136" in message and "P5" in message and "135" in message
    message = screen({"BRTHDTC": "2008-01-06"}).finding("AGE")["message"]
    assert "17" in message and "2008-01-06" in message
    message = screen({"LAST_PLT_TX_DT": "2025-01-03"}).finding("E1a")["message"]
    assert "2025-01-03" in message and "7 days" in message


def test_the_derived_age_follows_the_date_of_birth(screen):
    assert screen({"BRTHDTC": "2008-01-07"}).derived["AGE_Y"] == 16
    assert screen({"BRTHDTC": "2008-01-06"}).derived["AGE_Y"] == 17
    assert screen({"BRTHDTC": "2020-02-29", "ICDTC": "2022-03-01"}).derived["AGE_Y"] == 2


def test_the_creatinine_limit_derived_is_the_one_applied(screen):
    derived = screen({"BRTHDTC": "2015-01-08", "CREAT": "1.1", "HEIGHT_CM": "140"}).derived
    assert derived["AGE_Y"] == 9 and derived["AGE_AT_CREAT_Y"] == 10 and derived["CREAT_MAX"] == 1.2


def test_several_failures_are_listed_in_readme_order(screen):
    result = screen({"HIV_RESULT": "POS", "PLT": "1000", "BRTHDTC": "2008-01-06", "ALT": "500"})
    assert result.failed == ["AGE", "E1a", "E2b", "E16"]
