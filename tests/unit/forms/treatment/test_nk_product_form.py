"""NK-cell product release (spec 7): every criterion at its boundary, and the derived release decision."""
from __future__ import annotations

import pytest

from config.protocol import REGISTRY
from forms.core import evaluate
from forms.registry import get_form

BASE = {
    "DONOR_ID": "D-001", "DONOR_REL": "HAPLO_PARENT", "DONOR_HIV": "NEG", "DONOR_HBSAG": "NEG",
    "DONOR_ANTIHBC": "NEG", "DONOR_HCV": "NEG", "DONOR_HTLV": "NEG", "DONOR_SYPHILIS": "NEG", "DONOR_CMV": "NEG",
    "LOT_NO": "L-25-01", "BAG_NO": "1", "STOR_TEMP_C": "-150", "STOR_START_DT": "2025-02-20",
    "QC_STERILITY": "NEG", "QC_GRAM": "NEG", "QC_ENDOTOX": "0.5", "QC_MYCO": "NEG", "QC_VIAB_POSTTHAW": "85",
    "QC_PURITY_NK": "92", "TNC": "400000000", "QC_CD3_PCT": "0.2", "RECIPIENT_WEIGHT_KG": "20",
    "QC_CD19_PER_KG": "5000", "QC_POTENCY": "45", "QC_ID_MATCH": "Y",
}


@pytest.fixture
def product(run):
    def _product(data=None):
        return run("nk_product", BASE, {}, data=data)
    return _product


def test_a_product_meeting_every_criterion_is_released(product):
    result = product()
    assert result["findings"] == []
    assert result["derived"] == {"QC_CD3_PER_KG": 40000, "RELEASE_QC_PASSED": "Y", "RELEASE_FAILURES": []}


@pytest.mark.parametrize(
    "data, check, expected",
    [
        ({"QC_VIAB_POSTTHAW": "70"}, "REL_VIABILITY", None),
        ({"QC_VIAB_POSTTHAW": "69.9"}, "REL_VIABILITY", "hard"),
        ({"QC_PURITY_NK": "70"}, "REL_PURITY", None),
        ({"QC_PURITY_NK": "69.9"}, "REL_PURITY", "hard"),
        ({"QC_ENDOTOX": "4.99"}, "REL_ENDOTOXIN", None),
        ({"QC_ENDOTOX": "5.0"}, "REL_ENDOTOXIN", "hard"),
        ({"QC_CD3_PCT": "0.5"}, "REL_CD3", None),
        ({"QC_CD3_PCT": "0.51"}, "REL_CD3", "hard"),
        ({"STOR_TEMP_C": "-135"}, "REL_STORAGE", None),
        ({"STOR_TEMP_C": "-134.9"}, "REL_STORAGE", "hard"),
        ({"QC_STERILITY": "POS"}, "REL_STERILITY", "hard"),
        ({"QC_STERILITY": "PENDING"}, "REL_STERILITY", "hard"),
        ({"QC_GRAM": "POS"}, "REL_GRAM", "hard"),
        ({"QC_MYCO": "POS"}, "REL_MYCOPLASMA", "hard"),
        ({"QC_ID_MATCH": "N"}, "REL_IDENTITY", "hard"),
        ({"DONOR_HBSAG": "POS"}, "REL_DONOR_MARKERS", "hard"),
        ({"DONOR_HTLV": "POS"}, "REL_DONOR_MARKERS", "hard"),
    ],
)
def test_each_hard_release_criterion_blocks_release_beyond_its_limit(product, outcome, data, check, expected):
    result = product(data)
    assert outcome(result, check) == expected
    assert result["derived"]["RELEASE_QC_PASSED"] == ("N" if expected else "Y")


@pytest.mark.parametrize(
    "data, check, expected",
    [
        ({"QC_CD19_PER_KG": "100000"}, "REL_CD19", None),
        ({"QC_CD19_PER_KG": "100001"}, "REL_CD19", "soft"),
        ({"QC_POTENCY": "20.1"}, "REL_POTENCY", None),
        ({"QC_POTENCY": "20"}, "REL_POTENCY", "soft"),
        ({"DONOR_CMV": "POS"}, "REL_DONOR_CMV_QUERY", "soft"),
    ],
)
def test_soft_release_criteria_raise_queries_without_blocking_release(product, outcome, data, check, expected):
    result = product(data)
    assert outcome(result, check) == expected
    assert result["derived"]["RELEASE_QC_PASSED"] == "Y"


def test_residual_t_cells_per_kg_are_derived_from_tnc_percentage_and_weight(product):
    assert product({"TNC": "300000000", "QC_CD3_PCT": "1", "RECIPIENT_WEIGHT_KG": "25"})["derived"][
        "QC_CD3_PER_KG"] == 120000


def test_a_missing_hard_release_value_withholds_release_and_is_listed(product):
    derived = product({"QC_VIAB_POSTTHAW": None, "TNC": None})["derived"]
    assert derived["RELEASE_QC_PASSED"] == "N"
    assert any("Viability after thaw: not reported" == f for f in derived["RELEASE_FAILURES"])
    assert any(f.startswith("CD3+ T cells per kg") for f in derived["RELEASE_FAILURES"])


def test_release_failures_name_the_failed_criterion(product):
    failures = product({"QC_MYCO": "POS"})["derived"]["RELEASE_FAILURES"]
    assert len(failures) == 1 and failures[0].startswith("REL_MYCOPLASMA")


def _evaluate(data, **overrides):
    return evaluate(get_form("nk_product"), {**BASE, **data}, {}, REGISTRY.with_overrides(overrides))


@pytest.mark.parametrize(
    "gram, at_risk, passed",
    [("NEG", True, "Y"), ("POS", True, "N"), ("NEG", False, "N")],
)
def test_pending_sterility_is_released_only_at_risk_with_a_negative_gram_stain(gram, at_risk, passed):
    result = _evaluate({"QC_STERILITY": "PENDING", "QC_GRAM": gram}, release_at_risk_allowed=at_risk)
    sterility = [f for f in result.findings if f.check == "REL_STERILITY"]
    assert result.derived["RELEASE_QC_PASSED"] == passed
    assert bool(sterility) == (not (gram == "NEG" and at_risk))


def test_a_cmv_positive_donor_is_refused_when_the_policy_forbids_it():
    result = _evaluate({"DONOR_CMV": "POS"}, donor_cmv_positive_allowed=False)
    assert [f.check for f in result.findings] == ["REL_DONOR_CMV_REFUSED"]
    assert result.derived["RELEASE_QC_PASSED"] == "N"
