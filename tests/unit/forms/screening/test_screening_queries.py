"""Soft queries (AGE2, I1b, I5b, E3c, LABW) and the hard date-sequence check ORD of spec section 1.2."""
from __future__ import annotations

import pytest

EARLY_CONSENT = {"ICDTC": "2024-12-01"}

QUERY_ROWS = [
    ("AGE2: a date of birth on 2005-01-01 is implausible", {"BRTHDTC": "2005-01-01"}, {}, "AGE2"),
    ("AGE2: consent 729 days after birth is implausible", {"BRTHDTC": "2023-01-08"}, {}, "AGE2"),
    ("I1b: refractory with a minor response", {"INDUCT_RESP": "MR"}, {}, "I1b"),
    ("I1b: refractory with a partial response", {"INDUCT_RESP": "PR"}, {}, "I1b"),
    ("I5b: MIBG 29 days before enrolment", {**EARLY_CONSENT, "MIBG_DT": "2024-12-17"}, {}, "I5b"),
    ("I5b: CT/MRI 29 days before enrolment", {**EARLY_CONSENT, "CTMRI_DT": "2024-12-17"}, {}, "I5b"),
    ("LABW: blood tests 8 days before enrolment", {"LAB_DT": "2025-01-07"}, {}, "LABW"),
    ("LABW: creatinine 8 days before enrolment", {"CREAT_DT": "2025-01-07"}, {}, "LABW"),
    ("LABW: echocardiogram 29 days before enrolment", {**EARLY_CONSENT, "ECHO_DT": "2024-12-17"}, {}, "LABW_ECHO"),
    ("E3c: low Schwartz estimate while creatinine is within the table", {"HEIGHT_CM": "80", "CREAT": "0.5"}, {}, "E3c"),
    ("E3c: reported Schwartz estimate below 70", {"CRCL_METHOD": "EGFR_SCHWARTZ", "CRCL": "65"}, {}, "E3c"),
]

QUIET_ROWS = [
    ("AGE2: born 2005-01-02", {"BRTHDTC": "2005-01-02"}, {}, "AGE2"),
    ("AGE2: consent exactly 730 days after birth", {"BRTHDTC": "2023-01-07"}, {}, "AGE2"),
    ("I1b: refractory with stable disease", {"INDUCT_RESP": "SD"}, {}, "I1b"),
    ("I1b: relapsed after a partial response", {"DIS_STATUS": "RELAPSED", "INDUCT_RESP": "PR", "PRIOR_ASCT": "Y"}, {},
     "I1b"),
    ("I5b: MIBG 28 days before enrolment", {**EARLY_CONSENT, "MIBG_DT": "2024-12-18"}, {}, "I5b"),
    ("LABW: blood tests 7 days before enrolment", {"LAB_DT": "2025-01-08"}, {}, "LABW"),
    ("LABW: echocardiogram 28 days before enrolment", {**EARLY_CONSENT, "ECHO_DT": "2024-12-18"}, {}, "LABW_ECHO"),
    ("E3c: Schwartz estimate of 70", {"HEIGHT_CM": "84.75", "CREAT": "0.5"}, {}, "E3c"),
    ("E3c: low estimate but measured clearance adequate",
     {"HEIGHT_CM": "80", "CREAT": "0.5", "CRCL_METHOD": "URINE_24H", "CRCL": "90"}, {}, "E3c"),
]


@pytest.mark.parametrize("data, context, check", [pytest.param(d, c, k, id=n) for n, d, c, k in QUERY_ROWS])
def test_query_is_raised(screen, data, context, check):
    finding = screen(data, context).finding(check)
    assert finding["severity"] == "soft"
    assert finding["message"]


@pytest.mark.parametrize("data, context, check", [pytest.param(d, c, k, id=n) for n, d, c, k in QUIET_ROWS])
def test_query_is_not_raised(screen, data, context, check):
    assert check not in screen(data, context).checks()


def test_queries_alone_do_not_make_a_subject_ineligible(screen):
    result = screen({"LAB_DT": "2025-01-07", "INDUCT_RESP": "MR"})
    assert set(result.checks()) == {"LABW", "I1b"}
    assert result.eligible is True


def test_the_lab_window_message_gives_the_date_and_the_days(screen):
    message = screen({"LAB_DT": "2025-01-07"}).finding("LABW")["message"]
    assert "2025-01-07" in message and "8 d" in message and "7 days" in message


ORD_ROWS = [
    ("a lab dated after enrolment", {"LAB_DT": "2025-01-16"}, {}, True),
    ("consent after enrolment", {"ICDTC": "2025-01-16"}, {}, True),
    ("a transfusion before birth", {"LAST_PLT_TX_DT": "2016-01-01"}, {}, True),
    ("first infusion before enrolment", {}, {"FIRST_INF_DT": "2025-01-14"}, True),
    ("first infusion after enrolment", {}, {"FIRST_INF_DT": "2025-01-25"}, False),
    ("everything on the enrolment day", {"LAB_DT": "2025-01-15", "PLT_DT": "2025-01-15", "CREAT_DT": "2025-01-15"}, {},
     False),
]


@pytest.mark.parametrize("data, context, fires", [pytest.param(d, c, f, id=n) for n, d, c, f in ORD_ROWS])
def test_date_sequence(screen, data, context, fires):
    result = screen(data, context)
    if fires:
        finding = result.finding("ORD")
        assert finding["severity"] == "hard" and finding["clause"] == "ORD"
    else:
        assert "ORD" not in result.checks()
