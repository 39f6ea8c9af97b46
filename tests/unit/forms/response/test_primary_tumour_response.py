"""Spec 4.1: primary tumour response (CR, PR, PD, SD, NI) with pass, fail and boundary rows."""
from __future__ import annotations

import pytest

BASE_100 = {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "100"}


def present(ld: str, uptake: str | None = "STABLE") -> dict:
    return {"PRIM_PRESENT": "Y", "PRIM_LD_MM": ld, "PRIM_UPTAKE": uptake}


ROWS = [
    # id, baseline, now, nadir, expected PRIM_RESP
    ("cr_below_10mm_and_uptake_resolved", BASE_100, present("9.9", "RESOLVED"), None, "CR"),
    ("cr_fails_at_exactly_10mm_and_falls_to_pr", BASE_100, present("10", "RESOLVED"), None, "PR"),
    ("cr_fails_without_resolved_uptake", BASE_100, present("5", "IMPROVED"), None, "PR"),
    ("resected_primary_with_uptake_resolved_is_cr", BASE_100,
     {"PRIM_PRESENT": "N", "PRIM_UPTAKE": "RESOLVED"}, None, "CR"),
    ("resected_primary_with_residual_improved_uptake_is_pr", BASE_100,
     {"PRIM_PRESENT": "N", "PRIM_UPTAKE": "IMPROVED"}, None, "PR"),
    ("resected_primary_with_increased_uptake_is_sd", BASE_100,
     {"PRIM_PRESENT": "N", "PRIM_UPTAKE": "INCREASED"}, None, "SD"),
    ("resected_primary_without_uptake_is_not_evaluable", BASE_100, {"PRIM_PRESENT": "N"}, None, None),
    ("pr_at_exactly_30pct_decrease", BASE_100, present("70"), {"PRIM_LD_MM": "100"}, "PR"),
    ("pr_fails_at_29_9pct_decrease", BASE_100, present("70.1"), {"PRIM_LD_MM": "100"}, "SD"),
    ("pr_with_improved_uptake", BASE_100, present("50", "IMPROVED"), None, "PR"),
    ("pr_with_resolved_uptake_above_cr_size", BASE_100, present("40", "RESOLVED"), None, "PR"),
    ("pr_withheld_by_increased_uptake", BASE_100, present("50", "INCREASED"), None, "SD"),
    ("pr_size_without_uptake_is_not_evaluable", BASE_100, present("50", None), None, None),
    ("sd_small_decrease", BASE_100, present("90"), None, "SD"),
    ("sd_small_increase_without_uptake_recorded", BASE_100, present("104", None), None, "SD"),
    ("pd_above_20pct_and_5mm_over_nadir", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "50"}, present("60.1"),
     {"PRIM_LD_MM": "50"}, "PD"),
    ("pd_fails_at_exactly_20pct", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "50"}, present("60"),
     {"PRIM_LD_MM": "50"}, "SD"),
    ("pd_at_exactly_5mm_when_above_20pct", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "20"}, present("25"),
     {"PRIM_LD_MM": "20"}, "PD"),
    ("pd_fails_below_5mm_absolute", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "20"}, present("24.9"),
     {"PRIM_LD_MM": "20"}, "SD"),
    ("pd_fails_at_4mm_even_at_40pct", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "10"}, present("14"),
     {"PRIM_LD_MM": "10"}, "SD"),
    ("pd_against_nadir_beats_pr_against_baseline", BASE_100, present("40"), {"PRIM_LD_MM": "30"}, "PD"),
    ("pd_against_baseline_when_no_nadir_given", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "50"}, present("61"),
     None, "PD"),
    ("nadir_never_above_baseline", {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "50"}, present("61"),
     {"PRIM_LD_MM": "80"}, "PD"),
    ("pd_of_a_remnant_below_cr_size", BASE_100, present("9", "RESOLVED"), {"PRIM_LD_MM": "3"}, "PD"),
    ("ni_absent_at_baseline_and_now", {"PRIM_PRESENT": "N"}, {"PRIM_PRESENT": "N"}, None, "NI"),
    ("reappearing_primary_of_5mm_is_pd", {"PRIM_PRESENT": "N"}, present("5"), None, "PD"),
    ("reappearing_primary_of_4mm_is_sd", {"PRIM_PRESENT": "N"}, present("4"), None, "SD"),
    ("present_without_diameter_is_not_evaluable", BASE_100, present("", "STABLE"), None, None),
    ("baseline_without_diameter_cannot_show_pr", {"PRIM_PRESENT": "Y"}, present("50"), None, None),
    ("baseline_presence_read_from_its_diameter", {"PRIM_PRESENT": None, "PRIM_LD_MM": 100},
     present("70"), None, "PR"),
]


@pytest.mark.parametrize(("baseline", "now", "nadir", "expected"), [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_primary_response_follows_the_inrc_table(assess, baseline, now, nadir, expected):
    assert assess(now=now, baseline=baseline, nadir=nadir)["derived"]["PRIM_RESP"] == expected


@pytest.mark.parametrize("baseline_ld", ["100", 100, 100.0, "100.0"])
def test_baseline_and_nadir_values_are_read_as_strings_or_numbers(assess, baseline_ld):
    result = assess(now=present("70"), baseline={"PRIM_PRESENT": "Y", "PRIM_LD_MM": baseline_ld},
                    nadir={"PRIM_LD_MM": baseline_ld})
    assert result["derived"]["PRIM_RESP"] == "PR"


def test_a_primary_reappearing_after_absence_at_baseline_raises_a_soft_query(assess, findings):
    result = assess(now=present("4"), baseline={"PRIM_PRESENT": "N"})
    assert "TA.PRIM_REAPPEARED" in findings(result, "soft")


def test_a_primary_absent_at_baseline_and_now_raises_no_reappearance_query(assess, findings):
    assert "TA.PRIM_REAPPEARED" not in findings(assess())


def test_a_present_primary_needs_its_diameter_as_a_hard_check(assess, findings):
    assert "TA.PRIM_LD_WHEN_PRESENT" in findings(assess(now=present("")), "hard")
    assert "TA.PRIM_LD_WHEN_PRESENT" not in findings(assess(now=present("12")))


def test_a_primary_present_at_baseline_needs_uptake_recorded(assess, findings):
    assert "TA.PRIM_UPTAKE_NEEDED" in findings(assess(now={"PRIM_PRESENT": "N"}, baseline=BASE_100), "soft")
    assert "TA.PRIM_UPTAKE_NEEDED" not in findings(
        assess(now={"PRIM_PRESENT": "N", "PRIM_UPTAKE": "RESOLVED"}, baseline=BASE_100))
