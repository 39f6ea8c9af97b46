"""Spec 4.2: metastatic soft tissue and bone response, relative MIBG score, and the 0 < REL < 0.1 gap."""
from __future__ import annotations

import pytest

TARGETS_40 = {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "40", "CURIE": 0}
BONE_10 = {"MET_PRESENT": "Y", "CURIE": 10}
BONE_27 = {"MET_PRESENT": "Y", "CURIE": 27}
BOTH = {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "40", "CURIE": 10}


def met(sod: str | None = None, curie: int | None = 0, small: str = "N", nontarget: str = "STABLE_OR_SMALLER",
        resolved: str = "N", new: str = "N") -> dict:
    return {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": sod, "CURIE": curie, "MET_ALL_LT10MM": small,
            "MET_NONTARGET": nontarget, "MET_UPTAKE_RESOLVED": resolved, "NEW_LESION": new}


ROWS = [
    # id, baseline, now, nadir, expected MET_RESP, expected REL_MIBG
    ("cr_all_lesions_small_and_uptake_resolved", BOTH, met("8", 0, small="Y", nontarget="ABSENT", resolved="Y"),
     None, "CR", 0),
    ("cr_when_no_metastasis_remains", BOTH,
     {"MET_PRESENT": "N", "MET_UPTAKE_RESOLVED": "Y", "CURIE": 0}, None, "CR", 0),
    ("cr_fails_with_residual_uptake_and_falls_to_pr", BOTH, met("8", 0, small="Y", nontarget="ABSENT"),
     None, "PR", 0),
    ("cr_fails_with_a_lesion_of_10mm_or_more", BOTH, met("12", 0, nontarget="ABSENT", resolved="Y"),
     None, "PR", 0),
    ("cr_fails_with_bone_score_above_0", BOTH, met("8", 1, small="Y", nontarget="ABSENT", resolved="Y"),
     None, "PR", 0.1),
    ("pr_at_exactly_30pct_and_rel_0_5", BOTH, met("28", 5), {"MET_TARGET_SOD_MM": "40"}, "PR", 0.5),
    ("pr_fails_at_29_75pct_decrease", BOTH, met("28.1", 5), {"MET_TARGET_SOD_MM": "40"}, "SD", 0.5),
    ("pr_fails_when_bone_score_falls_too_little", BOTH, met("20", 6), None, "SD", 0.6),
    ("pr_on_targets_alone_without_bone_disease", TARGETS_40, met("28", 0), None, "PR", None),
    ("pr_on_bone_alone_at_rel_exactly_0_5", BONE_10, met(None, 5), None, "PR", 0.5),
    ("sd_on_bone_alone_at_rel_0_52", {"MET_PRESENT": "Y", "CURIE": 25}, met(None, 13), None, "SD", 0.52),
    ("pr_on_bone_alone_at_rel_exactly_0_1", BONE_10, met(None, 1), None, "PR", 0.1),
    ("pr_when_bone_uptake_resolved_but_soft_tissue_uptake_remains", BONE_10, met(None, 0), None, "PR", 0),
    ("gap_rel_below_0_1_with_residual_uptake_reads_pr", BONE_27, met(None, 2), None, "PR", 2 / 27),
    ("pr_withheld_by_progressing_non_target_lesions", BOTH, met("20", 4, nontarget="PROGRESSION"), None, "SD", 0.4),
    ("pr_with_non_target_lesions_absent", BOTH, met("20", 4, nontarget="ABSENT"), None, "PR", 0.4),
    ("pd_at_rel_exactly_1_2", BONE_10, met(None, 12), None, "PD", 1.2),
    ("sd_at_rel_1_19", {"MET_PRESENT": "Y", "CURIE": 21}, met(None, 25), None, "SD", 25 / 21),
    ("pd_on_any_new_lesion", BOTH, met("20", 4, new="Y"), None, "PD", 0.4),
    ("pd_on_new_bone_site_when_baseline_bone_score_was_0", TARGETS_40, met("28", 1), None, "PD", None),
    ("pd_target_sum_above_20pct_and_5mm_over_nadir", TARGETS_40, met("25"), {"MET_TARGET_SOD_MM": "20"}, "PD", None),
    ("pd_fails_at_exactly_20pct_and_4mm_so_pr_vs_baseline", TARGETS_40, met("24"), {"MET_TARGET_SOD_MM": "20"},
     "PR", None),
    ("pd_fails_below_5mm_so_pr_vs_baseline", TARGETS_40, met("24.9"), {"MET_TARGET_SOD_MM": "20"}, "PR", None),
    ("pd_fails_at_exactly_20pct_of_nadir_50", {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "50", "CURIE": 0},
     met("60"), {"MET_TARGET_SOD_MM": "50"}, "SD", None),
    ("pd_above_20pct_of_nadir_50", {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "50", "CURIE": 0},
     met("60.1"), {"MET_TARGET_SOD_MM": "50"}, "PD", None),
    ("sd_with_non_target_disease_only", {"MET_PRESENT": "Y", "CURIE": 0}, met(None, 0), None, "SD", None),
    ("ni_without_metastases_at_baseline_and_now", {}, {}, None, "NI", None),
    ("pd_on_new_bone_site_without_metastases_at_baseline", {}, {"CURIE": 2}, None, "PD", None),
    ("sd_when_metastases_appear_without_a_pd_criterion", {}, met(None, 0), None, "SD", None),
    ("pd_when_metastases_appear_with_a_measurable_target_sum", {}, met("12", 0), None, "PD", None),
    ("not_evaluable_when_bone_disease_was_not_rescored", BONE_10, met(None, None), None, None, None),
    ("not_evaluable_when_new_lesion_unknown", BOTH, {**met("20", 4), "NEW_LESION": None}, None, None, 0.4),
    ("pr_on_siopen_at_rel_exactly_0_5", {"MET_PRESENT": "Y", "CURIE": None, "SIOPEN": 72},
     {**met(None, None), "SIOPEN": 36}, None, "PR", 0.5),
    ("sd_on_siopen_at_rel_0_514", {"MET_PRESENT": "Y", "CURIE": None, "SIOPEN": 72},
     {**met(None, None), "SIOPEN": 37}, None, "SD", 37 / 72),
]


@pytest.mark.parametrize(("baseline", "now", "nadir", "expected", "rel"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])
def test_metastatic_response_follows_the_inrc_table(assess, baseline, now, nadir, expected, rel):
    derived = assess(now=now, baseline=baseline, nadir=nadir)["derived"]
    assert (derived["MET_RESP"], derived["REL_MIBG"]) == (expected, pytest.approx(rel) if rel else rel)


def test_rel_mibg_below_0_1_with_residual_uptake_raises_a_soft_query_for_central_review(assess, findings):
    result = assess(now=met(None, 2), baseline=BONE_27)
    query = [f for f in result["findings"] if f["check"] == "TA.REL_MIBG_GAP"]
    assert [(f["severity"], f["clause"]) for f in query] == [("soft", "spec 4.2")]
    assert "0.074" in query[0]["message"]


@pytest.mark.parametrize(("now", "why"), [
    (met(None, 3), "rel 0.111 is inside the PR range"),
    (met(None, 0), "rel 0 is resolved, not residual"),
    (met(None, 2, new="Y"), "PD: the gap does not matter"),
])
def test_rel_mibg_gap_query_is_not_raised_outside_the_gap(assess, findings, now, why):
    assert "TA.REL_MIBG_GAP" not in findings(assess(now=now, baseline=BONE_27)), why


def test_rel_mibg_gap_reading_sd_makes_the_bone_criterion_fail(assess, monkeypatch):
    from config.protocol import REGISTRY
    from forms import core

    monkeypatch.setattr(core, "REGISTRY", REGISTRY.with_overrides({"mibg_rel_gap_reading": "SD"}))
    assert assess(now=met(None, 2), baseline=BONE_27)["derived"]["MET_RESP"] == "SD"


def test_non_target_progression_without_pd_raises_a_soft_query(assess, findings):
    result = assess(now=met("20", 4, nontarget="PROGRESSION"), baseline=BOTH)
    assert "TA.NONTARGET_PROGRESSION" in findings(result, "soft")
    assert "TA.NONTARGET_PROGRESSION" not in findings(assess(now=met("20", 4, nontarget="PROGRESSION", new="Y"),
                                                             baseline=BOTH))


def test_metastases_appearing_without_new_lesion_raise_a_soft_query(assess, findings):
    assert "TA.MET_NEW_WITHOUT_PD" in findings(assess(now=met(None, 0)), "soft")
    assert "TA.MET_NEW_WITHOUT_PD" not in findings(assess(now=met(None, 0), baseline=TARGETS_40))


def test_relative_score_uses_curie_bone_segments_only(assess):
    now = {**met(None, None), **{f"CURIE_SEG{n}": "0" for n in range(1, 10)}, "CURIE_SEG10": "3"}
    derived = assess(now=now, baseline=BONE_10)["derived"]
    assert (derived["CURIE_BONE"], derived["CURIE_TOTAL"], derived["REL_MIBG"]) == (0, 3, 0)
