"""Spec 4.3: bone marrow response on the highest % infiltration, and the baseline >5-20 % gap."""
from __future__ import annotations

import pytest

ROWS = [
    # id, baseline BM_PCT, now BM_PCT, expected BM_RESP
    ("ni_uninvolved_at_baseline_and_now", "0", "0", "NI"),
    ("cr_no_infiltration_after_positive_baseline", "40", "0", "CR"),
    ("cr_irrespective_of_an_unknown_baseline", None, "0", "CR"),
    ("md_from_0_to_exactly_5", "0", "5", "MD"),
    ("md_from_0_to_0_1", "0", "0.1", "MD"),
    ("pd_from_0_to_5_1", "0", "5.1", "PD"),
    ("md_baseline_at_most_5_remains_at_most_5", "3", "4", "MD"),
    ("md_baseline_exactly_5_stays_5", "5", "5", "MD"),
    ("md_from_21_to_5", "21", "5", "MD"),
    ("sd_from_21_to_5_1", "21", "5.1", "SD"),
    ("gap_from_10_to_5_reads_md", "10", "5", "MD"),
    ("gap_from_exactly_20_to_5_reads_md", "20", "5", "MD"),
    ("gap_from_5_1_to_5_reads_md", "5.1", "5", "MD"),
    ("pd_more_than_2_fold_and_above_20", "10", "20.1", "PD"),
    ("pd_fails_at_exactly_20pct", "10", "20", "SD"),
    ("pd_fails_at_exactly_2_fold", "30", "60", "SD"),
    ("pd_just_above_2_fold_and_20pct", "30", "60.1", "PD"),
    ("pd_fails_above_2_fold_but_not_above_20pct", "3", "7", "SD"),
    ("pd_fails_at_2_fold_of_11", "11", "22", "SD"),
    ("pd_at_22_1_from_11", "11", "22.1", "PD"),
    ("sd_still_above_5", "50", "40", "SD"),
    ("not_evaluable_without_current_pct", "10", None, None),
    ("not_evaluable_positive_now_with_unknown_baseline", None, "3", None),
]


@pytest.mark.parametrize(("baseline", "now", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_marrow_response_follows_the_inrc_table(assess, baseline, now, expected):
    result = assess(now={"BM_PCT": now}, baseline={"BM_PCT": baseline})
    assert result["derived"]["BM_RESP"] == expected


@pytest.mark.parametrize(("baseline", "now", "queried"), [
    ("10", "5", True),
    ("20", "5", True),
    ("5.1", "0.1", True),
    ("5", "5", False),
    ("20.1", "5", False),
    ("10", "5.1", False),
    ("10", "0", False),
])
def test_marrow_gap_raises_a_soft_query_only_inside_the_gap(assess, findings, baseline, now, queried):
    result = assess(now={"BM_PCT": now}, baseline={"BM_PCT": baseline})
    assert ("TA.BM_GAP" in findings(result, "soft")) is queried


@pytest.mark.parametrize("now", [
    {"BM_PCT": "0", "BM_ADEQUATE": "N"},
    {"BM_PCT": "0", "BM_DONE": "N"},
])
def test_marrow_is_not_evaluable_when_not_done_or_inadequate(assess, now):
    assert assess(now=now, baseline={"BM_PCT": "10"})["derived"]["BM_RESP"] is None


def test_an_inadequate_baseline_sample_leaves_baseline_unknown(assess):
    result = assess(now={"BM_PCT": "3"}, baseline={"BM_PCT": "0", "BM_ADEQUATE": "N"})
    assert result["derived"]["BM_RESP"] is None


@pytest.mark.parametrize(("value", "hard"), [("5.2", False), ("5.20", False), ("5.25", True), ("100", False)])
def test_marrow_percentage_has_at_most_one_decimal(assess, findings, value, hard):
    assert ("TA.BM_PCT_PRECISION" in findings(assess(now={"BM_PCT": value}), "hard")) is hard


@pytest.mark.parametrize("value", ["100.1", "-0.1"])
def test_marrow_percentage_outside_0_to_100_is_a_hard_format_finding(assess, findings, value):
    result = assess(now={"BM_PCT": value})
    assert "BM_PCT.FORMAT" in findings(result, "hard")
    assert result["derived"]["BM_RESP"] is None
