"""Spec 4.4: overall response from the three components, the pseudo-code's combinations, and the gate."""
from __future__ import annotations

import pytest

# component -> code -> (baseline part, current part)
_PRIM_BASE = {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "50"}
PRIMARY = {
    "CR": (_PRIM_BASE, {"PRIM_PRESENT": "N", "PRIM_UPTAKE": "RESOLVED"}),
    "PR": (_PRIM_BASE, {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "30", "PRIM_UPTAKE": "STABLE"}),
    "SD": (_PRIM_BASE, {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "45", "PRIM_UPTAKE": "STABLE"}),
    "PD": (_PRIM_BASE, {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "70", "PRIM_UPTAKE": "STABLE"}),
    "NI": ({}, {}),
}
_MET_BASE = {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "40", "CURIE": 10}
_MET_NOW = {"MET_PRESENT": "Y", "MET_ALL_LT10MM": "N", "MET_NONTARGET": "STABLE_OR_SMALLER",
            "MET_UPTAKE_RESOLVED": "N", "NEW_LESION": "N"}
METASTATIC = {
    "CR": (_MET_BASE, {"MET_PRESENT": "N", "MET_UPTAKE_RESOLVED": "Y", "CURIE": 0}),
    "PR": (_MET_BASE, {**_MET_NOW, "MET_TARGET_SOD_MM": "20", "CURIE": 4}),
    "SD": (_MET_BASE, {**_MET_NOW, "MET_TARGET_SOD_MM": "38", "CURIE": 9}),
    "PD": (_MET_BASE, {**_MET_NOW, "MET_TARGET_SOD_MM": "38", "CURIE": 9, "NEW_LESION": "Y"}),
    "NI": ({}, {}),
    None: ({"MET_PRESENT": "Y", "CURIE": 10}, {**_MET_NOW, "CURIE": None}),
}
MARROW = {
    "CR": ({"BM_PCT": "30"}, {"BM_PCT": "0"}),
    "MD": ({"BM_PCT": "30"}, {"BM_PCT": "3"}),
    "SD": ({"BM_PCT": "30"}, {"BM_PCT": "25"}),
    "PD": ({"BM_PCT": "10"}, {"BM_PCT": "30"}),
    "NI": ({"BM_PCT": "0"}, {"BM_PCT": "0"}),
    None: ({"BM_PCT": "10"}, {"BM_PCT": None}),
}

COMBINATIONS = [
    # primary, metastatic, marrow, overall
    ("CR", "CR", "CR", "CR"),
    ("NI", "CR", "CR", "CR"),
    ("CR", "NI", "NI", "CR"),
    ("NI", "NI", "CR", "CR"),
    ("PR", "CR", "MD", "PR"),
    ("PR", "PR", "NI", "PR"),
    ("NI", "PR", "MD", "PR"),
    ("CR", "CR", "MD", "PR"),
    ("CR", "NI", "MD", "PR"),
    ("PR", "SD", "CR", "MR"),
    ("PR", "SD", "NI", "MR"),
    ("CR", "SD", "NI", "MR"),
    ("SD", "CR", "MD", "MR"),
    ("SD", "NI", "NI", "SD"),
    ("SD", "SD", "MD", "SD"),
    ("NI", "SD", "SD", "SD"),
    ("PD", "CR", "CR", "PD"),
    ("CR", "PD", "NI", "PD"),
    ("PR", "PR", "PD", "PD"),
    ("PD", "SD", "MD", "PD"),
    ("NI", "NI", "MD", "NE"),
    ("NI", "NI", "NI", "NE"),
    ("PR", "PR", None, "NE"),
    ("CR", None, "CR", "NE"),
    ("PR", "SD", None, "NE"),
    ("SD", None, "NI", "NE"),
    ("CR", None, "MD", "NE"),
    ("PD", None, None, "PD"),
]


def _case(primary, metastatic, marrow):
    parts = [PRIMARY[primary], METASTATIC[metastatic], MARROW[marrow]]
    baseline = {k: v for base, _ in parts for k, v in base.items()}
    now = {k: v for _, current in parts for k, v in current.items()}
    return baseline, now


@pytest.mark.parametrize(("primary", "metastatic", "marrow", "overall"), COMBINATIONS,
                         ids=["+".join(str(c) for c in row[:3]) + "=" + row[3] for row in COMBINATIONS])
def test_overall_response_combines_the_components_as_the_pseudo_code_does(assess, primary, metastatic, marrow, overall):
    baseline, now = _case(primary, metastatic, marrow)
    derived = assess(now=now, baseline=baseline)["derived"]
    assert (derived["PRIM_RESP"], derived["MET_RESP"], derived["BM_RESP"], derived["OVERALL_RESP"]) == (
        primary, metastatic, marrow, overall)


@pytest.mark.parametrize(("combination", "eligible"), [
    (("CR", "CR", "CR"), "Y"),
    (("PR", "CR", "MD"), "Y"),
    (("PR", "SD", "CR"), "Y"),
    (("SD", "NI", "NI"), "N"),
    (("PD", "CR", "CR"), "N"),
    (("NI", "NI", "MD"), "N"),
])
def test_extra_infusions_need_an_overall_response_in_the_configured_set(assess, combination, eligible):
    baseline, now = _case(*combination)
    assert assess(now=now, baseline=baseline)["derived"]["EXTRA_INF_ELIG"] == eligible


@pytest.mark.parametrize(("modalities", "eligible"), [
    ({"MIBG_DONE": "Y", "CTMRI_DONE": "Y"}, "Y"),
    ({"MIBG_DONE": "N", "CTMRI_DONE": "Y"}, "N"),
    ({"MIBG_DONE": "Y", "CTMRI_DONE": "N"}, "N"),
])
def test_extra_infusions_need_mibg_and_cross_sectional_imaging(assess, modalities, eligible):
    baseline, now = _case("PR", "NI", "CR")
    assert assess(now={**now, **modalities}, baseline=baseline)["derived"]["EXTRA_INF_ELIG"] == eligible


def test_a_complete_response_assessment_derives_every_value_the_contract_names(assess):
    baseline, now = _case("PR", "PR", "MD")
    result = assess(now=now, baseline=baseline, nadir={"PRIM_LD_MM": "50", "MET_TARGET_SOD_MM": "40"})
    assert result["derived"] == {
        "CURIE_TOTAL": 4,
        "CURIE_BONE": 4,
        "SIOPEN_TOTAL": None,
        "LES_SUM_MM": None,
        "REL_MIBG": 0.4,
        "PRIM_RESP": "PR",
        "MET_RESP": "PR",
        "BM_RESP": "MD",
        "OVERALL_RESP": "PR",
        "RESP_RULE_VERSION": "INRC2017-spec4-v1",
        "EXTRA_INF_ELIG": "Y",
    }
    assert result["findings"] == []


def test_the_baseline_assessment_itself_derives_scores_but_no_response(assess, findings):
    result = assess(now={"ASSESS_TYPE": "BASELINE", "ASSESS_NO": None, "CURIE": 12, "MET_PRESENT": "Y"},
                    no_baseline=True)
    assert result["derived"] == {
        "CURIE_TOTAL": 12, "CURIE_BONE": 12, "SIOPEN_TOTAL": None, "LES_SUM_MM": None, "REL_MIBG": None,
        "PRIM_RESP": None, "MET_RESP": None, "BM_RESP": None, "OVERALL_RESP": "NE",
        "RESP_RULE_VERSION": "INRC2017-spec4-v1", "EXTRA_INF_ELIG": "N",
    }
    assert findings(result) == set()


def test_a_response_assessment_without_baseline_is_ne_with_a_soft_query(assess, findings):
    result = assess(no_baseline=True)
    assert result["derived"]["OVERALL_RESP"] == "NE"
    assert "TA.BASELINE_MISSING" in findings(result, "soft")
