"""Spec 5: Curie and SIOPEN totals (derived, never typed), segment ranges, and the scoring method rule."""
from __future__ import annotations

import pytest


def curie(*scores: int | str | None) -> dict:
    return {f"CURIE_SEG{n}": s for n, s in enumerate(scores, start=1)}


def siopen(*scores: int | str | None) -> dict:
    return {f"SIOPEN_SEG{n}": s for n, s in enumerate(scores, start=1)}


@pytest.mark.parametrize(("segments", "total", "bone"), [
    (curie(*[0] * 10), 0, 0),
    (curie(*[3] * 10), 30, 27),
    (curie(1, 2, 3, 0, 1, 2, 3, 0, 1, 2), 15, 13),
    (curie(*[0] * 9, 3), 3, 0),
    (curie(3, *[0] * 9), 3, 3),
])
def test_curie_total_is_all_ten_segments_and_bone_score_segments_one_to_nine(assess, segments, total, bone):
    derived = assess(now={"CURIE": None, **segments}, no_baseline=True)["derived"]
    assert (derived["CURIE_TOTAL"], derived["CURIE_BONE"]) == (total, bone)


@pytest.mark.parametrize(("segments", "total"), [
    (siopen(*[0] * 12), 0),
    (siopen(*[6] * 12), 72),
    (siopen(1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5), 36),
])
def test_siopen_total_is_all_twelve_segments(assess, segments, total):
    assert assess(now={"CURIE": None, **segments}, no_baseline=True)["derived"]["SIOPEN_TOTAL"] == total


def test_siopen_total_is_none_when_siopen_was_not_scored(assess):
    assert assess(no_baseline=True)["derived"]["SIOPEN_TOTAL"] is None


@pytest.mark.parametrize(("field", "value", "hard"), [
    ("CURIE_SEG1", "3", False), ("CURIE_SEG1", "4", True), ("CURIE_SEG10", "-1", True),
    ("CURIE_SEG5", "1.5", True), ("SIOPEN_SEG1", "6", False), ("SIOPEN_SEG12", "7", True),
])
def test_segment_scores_outside_their_scale_are_hard_findings(assess, findings, field, value, hard):
    result = assess(now={"CURIE": None, **curie(*[0] * 10), **siopen(*[0] * 12), field: value}, no_baseline=True)
    assert (f"{field}.FORMAT" in findings(result, "hard")) is hard


def test_a_segment_out_of_range_leaves_the_total_underived(assess):
    derived = assess(now={"CURIE": None, **curie(4, *[0] * 9)}, no_baseline=True)["derived"]
    assert (derived["CURIE_TOTAL"], derived["CURIE_BONE"]) == (None, None)


@pytest.mark.parametrize(("segments", "check", "hard"), [
    (curie(1, 1, 1), "TA.CURIE_COMPLETE", True),
    (curie(*[1] * 10), "TA.CURIE_COMPLETE", False),
    (siopen(1), "TA.SIOPEN_COMPLETE", True),
    (siopen(*[1] * 12), "TA.SIOPEN_COMPLETE", False),
])
def test_a_partial_score_is_a_hard_finding_and_is_not_totalled(assess, findings, segments, check, hard):
    result = assess(now={"CURIE": None, **segments}, no_baseline=True)
    assert (check in findings(result, "hard")) is hard


@pytest.mark.parametrize(("baseline_method", "method", "hard"), [
    ("CURIE", "CURIE", False),
    ("SIOPEN", "CURIE", True),
    ("BOTH", "CURIE", True),
    ("CURIE", "BOTH", True),
    ("BOTH", "BOTH", False),
])
def test_the_scoring_method_must_be_the_baselines(assess, findings, baseline_method, method, hard):
    result = assess(now={"MIBG_SCORE_METHOD": method, "SIOPEN": 0},
                    baseline={"MIBG_SCORE_METHOD": baseline_method, "SIOPEN": 0})
    assert ("TA.MIBG_METHOD_AS_BASELINE" in findings(result, "hard")) is hard


def test_an_undeclared_scoring_method_is_read_from_the_segments_entered(assess, findings):
    result = assess(now={"CURIE": None, "SIOPEN": 10}, baseline={"CURIE": 10})
    assert "TA.MIBG_METHOD_AS_BASELINE" in findings(result, "hard")
    assert result["derived"]["REL_MIBG"] is None


def test_a_different_scan_type_from_baseline_is_queried(assess, findings):
    result = assess(now={"MIBG_SCAN_TYPE": "SPECT_CT"}, baseline={"MIBG_SCAN_TYPE": "PLANAR"})
    assert "TA.MIBG_SCAN_AS_BASELINE" in findings(result, "soft")
    same = assess(now={"MIBG_SCAN_TYPE": "PLANAR"}, baseline={"MIBG_SCAN_TYPE": "PLANAR"})
    assert "TA.MIBG_SCAN_AS_BASELINE" not in findings(same)


def test_relative_score_is_none_when_the_baseline_bone_score_is_0(assess):
    assert assess(now={"CURIE": 3}, baseline={"MET_PRESENT": "Y", "CURIE": 0})["derived"]["REL_MIBG"] is None


def test_a_saved_baseline_may_give_its_bone_score_instead_of_segments(assess):
    baseline = {"MET_PRESENT": "Y", "CURIE": None, "CURIE_BONE": 10, "MIBG_SCORE_METHOD": "CURIE"}
    now = {"MET_PRESENT": "Y", "CURIE": 5, "MET_ALL_LT10MM": "N", "MET_NONTARGET": "ABSENT",
           "MET_UPTAKE_RESOLVED": "N", "MIBG_SCORE_METHOD": "CURIE"}
    derived = assess(now=now, baseline=baseline)["derived"]
    assert (derived["REL_MIBG"], derived["MET_RESP"]) == (0.5, "PR")


@pytest.mark.parametrize(("now", "check"), [
    ({"MIBG_DONE": "N"}, "TA.MIBG_NOT_DONE_BUT_SCORED"),
    ({"MIBG_DONE": "Y", "MIBG_DT": "2025-04-09"}, "TA.MIBG_METHOD_NEEDED"),
    ({"MIBG_DONE": "Y", "MIBG_DT": None, "MIBG_SCORE_METHOD": "CURIE"}, "TA.MIBG_DT_NEEDED"),
    ({"MIBG_SCORE_METHOD": "BOTH"}, "TA.MIBG_SCORES_NEEDED"),
])
def test_mibg_consistency_queries(assess, findings, now, check):
    assert check in findings(assess(now=now), "soft")


def test_a_complete_mibg_record_raises_no_mibg_query(assess, findings):
    now = {"MIBG_DONE": "Y", "MIBG_DT": "2025-04-09", "MIBG_SCORE_METHOD": "CURIE", "MIBG_SCAN_TYPE": "PLANAR"}
    assert not {c for c in findings(assess(now=now)) if c.startswith("TA.MIBG")}
