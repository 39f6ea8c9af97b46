"""The screening form honours the harness contract of shared/protocol/README.md."""
from __future__ import annotations

import json

import pytest

from config.protocol import REGISTRY
from forms.harness import run_case
from forms.registry import get_form

README_CRITERIA = (
    "AGE I1I2 I3 I4 I5 E1a E1b E1c E2a E2b E3 E4 E5 E6a E6b E6c E6d E6e E7 E8 E9 E10 E12 E13 E14 E15 E16".split()
)

README_CODE_LISTS = {
    "SEX": {"M", "F"},
    "INRG_RISK": {"HIGH", "INTERMEDIATE", "LOW", "VERY_LOW"},
    "INDUCT_RESP": {"CR", "PR", "MR", "SD", "PD"},
    "DIS_STATUS": {"REFRACTORY", "RELAPSED", "PROGRESSIVE"},
    "DX_METHOD": {"HISTOLOGY", "BM_TUMOR_PLUS_CATECH"},
    "DX_HISTO": {"NB", "GNB_NODULAR"},
    "CRCL_METHOD": {"URINE_24H", "RADIOISOTOPE_GFR", "EGFR_SCHWARTZ"},
    "HIV_RESULT": {"POS", "NEG", "IND"},
    "OTHER_TRIAL_TYPE": {"INTERVENTIONAL", "OBSERVATIONAL"},
}


def test_the_eligible_case_is_eligible_without_any_finding(eligible_case):
    result = run_case("screening", eligible_case)
    assert result["form"] == "screening"
    assert result["findings"] == []
    assert result["derived"]["eligible"] is True
    assert result["derived"]["failed_criteria"] == []
    assert result["derived"]["AGE_Y"] == 7


def test_the_harness_output_is_plain_json(eligible_case):
    result = run_case("screening", eligible_case)
    assert json.loads(json.dumps(result)) == result


def test_derived_values_are_computed_from_the_case(eligible_case):
    derived = run_case("screening", eligible_case)["derived"]
    assert derived["AGE_AT_CREAT_Y"] == 7
    assert derived["CREAT_MAX"] == 1
    assert derived["EGFR_SCHWARTZ"] == 99.1
    assert derived["UCAT_MAX_xULN"] == 0.83
    assert derived["PRED_EQ_MGKG"] == 0.1
    assert derived["STEROID_RUN_DAYS"] == 0


@pytest.mark.parametrize("name", [
    "BRTHDTC", "ICDTC", "SEX", "WEIGHT_KG", "HEIGHT_CM", "INRG_RISK", "INDUCT_CYC_N", "INDUCT_RESP", "DIS_STATUS",
    "PRIOR_ASCT", "PRIOR_ASCT_DT", "PRIOR_AGGR_THER", "LIFE_EXP_M", "DX_METHOD", "DX_HISTO", "BM_TUMOR",
    "UCAT_VMA", "UCAT_VMA_ULN", "UCAT_HVA", "UCAT_HVA_ULN", "LES_LD_MM", "LES_MIBG_AVID", "FDG_AVID", "MIBG_DT",
    "CTMRI_DT", "PET_DT", "PLT", "PLT_DT", "LAST_PLT_TX_DT", "ANC", "HGB", "LAST_RBC_TX_DT", "BILI", "BILI_ULN",
    "ALT", "CRCL_METHOD", "CRCL", "CREAT", "CREAT_DT", "SEIZ_HX", "SEIZ_CONTROLLED", "AED_LIST", "ECHO_DT",
    "SF_PCT", "EF_PCT", "EF_METHOD", "DYSP_REST", "EX_INTOL", "O2_CHRONIC", "SPO2_RA", "SPO2_INDICATED",
    "PLEUR_EFF_CUR", "PERIC_EFF_CUR", "EMERG_COND", "EMERG_COND_TEXT", "BM_ONLY", "BM_PATH_CONFIRMED",
    "OTHER_TRIAL_CUR", "OTHER_TRIAL_TYPE", "COMPLY_ABLE", "IC_PARENT_SIGNED", "HIV_TEST", "HIV_RESULT", "HIV_DT",
    "LAB_DT",
])
def test_every_spec_field_is_declared_for_entry_with_a_label_and_clause(name):
    field = get_form("screening").field(name)
    assert not field.derived
    assert field.label and field.clause


@pytest.mark.parametrize("name, codes", sorted(README_CODE_LISTS.items()))
def test_code_lists_are_exactly_those_of_the_readme(name, codes):
    assert {code for code, _ in get_form("screening").field(name).choices} == codes


def test_date_of_birth_is_an_identifier():
    assert get_form("screening").field("BRTHDTC").identifier


@pytest.mark.parametrize("name", ["PRIOR_ASCT_DT", "LAST_PLT_TX_DT", "LAST_RBC_TX_DT", "CRCL", "CRCL_METHOD",
                                  "SF_PCT", "EF_PCT", "SPO2_RA", "SEIZ_CONTROLLED", "FDG_AVID", "PET_DT"])
def test_fields_that_are_legitimately_blank_are_not_required(name):
    assert get_form("screening").field(name).required is False


@pytest.mark.parametrize("criterion", README_CRITERIA)
def test_every_readme_criterion_is_decided_by_a_hard_check_whose_clause_names_it(criterion):
    deciding = [c for c in get_form("screening").checks if c.criterion == criterion and c.severity == "hard"]
    assert deciding
    assert all(check.clause == criterion for check in deciding)


@pytest.mark.parametrize("check_id", ["AGE2", "I1b", "I5b", "E3c", "E4b", "E9b", "E10b", "LABW", "LABW_ECHO"])
def test_the_spec_soft_checks_are_declared_soft(check_id):
    check = next(c for c in get_form("screening").checks if c.id == check_id)
    assert check.severity == "soft" and check.criterion is None


def test_the_date_sequence_check_is_hard():
    check = next(c for c in get_form("screening").checks if c.id == "ORD")
    assert check.severity == "hard"


def test_every_assumed_eligibility_reading_is_a_flagged_parameter():
    for key in ("age_max_inclusive", "i1_i2_reading", "alt_boundary_reading", "renal_reading", "creat_rule",
                "seizure_reading", "cardiac_reading", "spo2_reading", "e8_reading", "cyp3a4_strength_reading",
                "steroid_recent_days", "other_trial_observational_allowed", "e15_procedures_after_consent",
                "lab_window_days", "imaging_window_days", "echo_window_days", "plt_min_per_ul", "anc_min_per_ul",
                "hgb_min_g_dl"):
        parameter = REGISTRY.describe(key)
        assert parameter.assumption, key
        assert parameter.clause and parameter.basis, key


def test_an_empty_case_is_not_eligible_and_names_every_criterion():
    result = run_case("screening", {"data": {}, "context": {}})
    assert result["derived"]["eligible"] is False
    assert set(result["derived"]["failed_criteria"]) == set(README_CRITERIA) - {"E9", "E10", "E13"}
    assert all(f["severity"] == "soft" for f in result["findings"])
