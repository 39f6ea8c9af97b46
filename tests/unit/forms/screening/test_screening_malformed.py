"""Values the system cannot read become hard <FIELD>.FORMAT findings; nothing crashes and the criterion fails."""
from __future__ import annotations

import pytest

from forms.harness import run_case

MALFORMED_ROWS = [
    ("PLT", "fifty thousand", ["E1a"]),
    ("PLT", "50,000", ["E1a"]),
    ("PLT", "2000001", ["E1a"]),
    ("ANC", "-1", ["E1b"]),
    ("HGB", "1e1", ["E1c"]),
    ("BRTHDTC", "2017-02-30", ["AGE", "E3"]),
    ("BRTHDTC", "05/10/2017", ["AGE", "E3"]),
    ("BRTHDTC", "2017-05", ["AGE", "E3"]),
    ("ICDTC", "2025-1-6", ["AGE", "E15"]),
    ("SEX", "male", ["E3"]),
    ("INRG_RISK", "high", ["I1I2"]),
    ("HIV_RESULT", "negative", ["E16"]),
    ("SPO2_RA", "101", ["E6d"]),
    ("LAST_PLT_TX_DT", "last week", ["E1a"]),
    ("CRCL", "4", ["E3"]),
    ("INDUCT_CYC_N", "4.5", ["I1I2"]),
    ("DYSP_REST", "no", ["E6a"]),
]


@pytest.mark.parametrize("field, value, failed", [pytest.param(f, v, c, id=f"{f}={v}") for f, v, c in MALFORMED_ROWS])
def test_an_unreadable_value_is_a_format_finding_and_fails_its_criterion(screen, field, value, failed):
    result = screen({field: value})
    finding = result.finding(f"{field}.FORMAT")
    assert finding["severity"] == "hard"
    assert finding["fields"] == [field]
    assert result.failed == failed
    assert result.eligible is False


@pytest.mark.parametrize("context, failed", [
    pytest.param({"ENRLDT": "next month"}, ["E9"], id="unreadable enrolment date with a steroid logged"),
    pytest.param({"conmeds": "none"}, ["E9", "E10"], id="medication log not a list"),
    pytest.param({"conmeds": ["dexamethasone"]}, ["E9", "E10"], id="medication record not an object"),
    pytest.param({"conmeds": [{"CMTRT": "Prednisone", "CMDOSE_MG_DAY": "ten", "CMROUTE": "ORAL",
                               "CMSTDTC": "2025-01-01", "CMENDTC": None}]}, ["E9"], id="unreadable steroid dose"),
    pytest.param({"conmeds": [{"CMTRT": "Ondansetron", "CMDOSE_MG_DAY": "ten", "CMROUTE": "ORAL",
                               "CMSTDTC": "2025-01-01", "CMENDTC": None}]}, [], id="unreadable dose of a neutral drug"),
    pytest.param({"baseline_conditions": "none"}, ["E13"], id="conditions log not a list"),
    pytest.param({"baseline_conditions": [{"TERM": "Colitis", "SOC": "Gastrointestinal disorders", "GRADE": "severe",
                                           "ONGOING": "Y"}]}, ["E13"], id="unreadable grade"),
    pytest.param({"baseline_conditions": [{"TERM": "Colitis", "SOC": "Gastrointestinal disorders", "GRADE": "3",
                                           "ONGOING": "maybe"}]}, ["E13"], id="unreadable ongoing flag"),
    pytest.param({"baseline_conditions": [{"TERM": "Rash", "SOC": "Skin and subcutaneous tissue disorders",
                                           "GRADE": "severe", "ONGOING": "Y"}]}, [], id="unreadable grade outside E13"),
])
def test_unreadable_context_leaves_the_criterion_unassessed_without_crashing(eligible_case, context, failed):
    eligible_case["context"].update(context)
    result = run_case("screening", eligible_case)
    assert result["derived"]["failed_criteria"] == failed
    assert result["derived"]["eligible"] is (not failed)
    assert all(f["severity"] == "soft" for f in result["findings"])
