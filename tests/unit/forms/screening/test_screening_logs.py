"""The repeating medication and baseline-condition forms that E9, E10 and E13 read."""
from __future__ import annotations

import pytest

from forms.harness import run_case
from forms.registry import get_form


def test_both_logs_are_repeating_forms():
    assert get_form("conmeds").repeating and get_form("baseline_conditions").repeating


def test_routes_are_the_spec_code_list():
    codes = {code for code, _ in get_form("conmeds").field("CMROUTE").choices}
    assert codes == {"ORAL", "IV", "IM", "TOPICAL", "INHALED", "INTRANASAL", "OPHTHALMIC", "INTRA_ARTICULAR", "OTHER"}


def test_condition_classes_are_the_26_meddra_socs():
    assert len(get_form("baseline_conditions").field("SOC").choices) == 26


MED = {"CMTRT": "Dexamethasone", "CMDOSE_MG_DAY": "4", "CMROUTE": "IV", "CMSTDTC": "2025-01-01",
       "CMENDTC": "2025-01-05", "CMONGO": "N"}

MED_ROWS = [
    ("a finished course", {}, []),
    ("an ongoing course without end date", {"CMENDTC": None, "CMONGO": "Y"}, []),
    ("one-day course", {"CMENDTC": "2025-01-01"}, []),
    ("end before start", {"CMENDTC": "2024-12-31"}, ["CM.END_AFTER_START"]),
    ("ongoing with an end date", {"CMONGO": "Y"}, ["CM.ONGOING"]),
    ("not ongoing without an end date", {"CMENDTC": None}, ["CM.ONGOING"]),
    ("unknown route", {"CMROUTE": "RECTAL"}, ["CMROUTE.FORMAT"]),
    ("negative dose", {"CMDOSE_MG_DAY": "-1"}, ["CMDOSE_MG_DAY.FORMAT"]),
]


@pytest.mark.parametrize("change, checks", [pytest.param(c, k, id=n) for n, c, k in MED_ROWS])
def test_medication_record(change, checks):
    result = run_case("conmeds", {"data": {**MED, **change}})
    assert [f["check"] for f in result["findings"]] == checks
    assert all(f["severity"] == "hard" for f in result["findings"])


CONDITION = {"TERM": "Hypertension", "SOC": "Vascular disorders", "GRADE": "2", "MHSTDTC": "2024-11-01",
             "MHENDTC": None, "ONGOING": "Y"}

CONDITION_ROWS = [
    ("an ongoing condition", {}, []),
    ("a resolved condition", {"ONGOING": "N", "MHENDTC": "2024-12-01"}, []),
    ("resolved before onset", {"ONGOING": "N", "MHENDTC": "2024-10-01"}, ["MH.END_AFTER_START"]),
    ("ongoing with a resolution date", {"MHENDTC": "2024-12-01"}, ["MH.ONGOING"]),
    ("resolved without a date", {"ONGOING": "N"}, ["MH.ONGOING"]),
    ("grade 6", {"GRADE": "6"}, ["GRADE.FORMAT"]),
    ("grade 0", {"GRADE": "0"}, []),
    ("an unknown organ class", {"SOC": "Kidney"}, ["SOC.FORMAT"]),
]


@pytest.mark.parametrize("change, checks", [pytest.param(c, k, id=n) for n, c, k in CONDITION_ROWS])
def test_baseline_condition_record(change, checks):
    result = run_case("baseline_conditions", {"data": {**CONDITION, **change}})
    assert [f["check"] for f in result["findings"]] == checks
