"""Tumour assessment edit checks: dates, target lesions (RECIST 1.1 mechanics), modalities, consistency."""
from __future__ import annotations

import pytest

from forms.core import describe_checks
from forms.registry import get_form


def lesion(n: int, organ: str | None, node: str | None, diam: str | None) -> dict:
    return {f"LES{n}_ORGAN": organ, f"LES{n}_NODE": node, f"LES{n}_DIAM_MM": diam}


@pytest.mark.parametrize(("date", "hard"), [("2025-01-09", True), ("2025-01-10", False), ("2025-01-11", False)])
def test_the_assessment_cannot_be_dated_before_baseline(assess, findings, date, hard):
    result = assess(now={"ASSESS_DT": date}, baseline={"ASSESS_DT": "2025-01-10"})
    assert ("TA.DATE_NOT_BEFORE_BASELINE" in findings(result, "hard")) is hard


def test_the_target_sum_is_derived_from_the_lesions_listed(assess, findings):
    now = {"MET_PRESENT": "Y", **lesion(1, "Liver", "N", "12.5"), **lesion(2, "Retroperitoneum", "Y", "20")}
    result = assess(now=now)
    assert result["derived"]["LES_SUM_MM"] == 32.5
    assert "TA.LESION_SUM_MATCHES" not in findings(result)


@pytest.mark.parametrize(("typed", "hard"), [("32.5", False), ("32.50", False), ("33", True), ("32.4", True)])
def test_a_typed_target_sum_must_equal_the_lesions_sum(assess, findings, typed, hard):
    now = {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": typed,
           **lesion(1, "Liver", "N", "12.5"), **lesion(2, "Retroperitoneum", "Y", "20")}
    assert ("TA.LESION_SUM_MATCHES" in findings(assess(now=now), "hard")) is hard


def test_the_lesions_sum_feeds_the_response_when_no_sum_is_typed(assess):
    baseline = {"MET_PRESENT": "Y", "MET_TARGET_SOD_MM": "40"}
    now = {"MET_PRESENT": "Y", "MET_ALL_LT10MM": "N", "MET_NONTARGET": "ABSENT", "MET_UPTAKE_RESOLVED": "N",
           **lesion(1, "Liver", "N", "15"), **lesion(2, "Lung", "N", "13")}
    assert assess(now=now, baseline=baseline)["derived"]["MET_RESP"] == "PR"


@pytest.mark.parametrize(("organs", "hard"), [
    (("Liver", "Liver", "Lung"), False),
    (("Liver", "liver ", " LIVER"), True),
    (("Liver", "Lung", "Bone", "Pleura", "Lung"), False),
    (("Lung", "Lung", "Liver", "Liver", "Lung"), True),
])
def test_at_most_two_target_lesions_per_organ(assess, findings, organs, hard):
    now = {"MET_PRESENT": "Y"}
    for n, organ in enumerate(organs, start=1):
        now |= lesion(n, organ, "N", "10")
    assert ("TA.LESIONS_PER_ORGAN" in findings(assess(now=now), "hard")) is hard


@pytest.mark.parametrize(("slot", "hard"), [
    (lesion(1, "Liver", "N", "10"), False),
    (lesion(1, "Liver", None, "10"), True),
    (lesion(1, None, "N", "10"), True),
    (lesion(1, "Liver", "N", None), True),
])
def test_each_target_lesion_needs_organ_node_and_diameter(assess, findings, slot, hard):
    assert ("TA.LESIONS_COMPLETE" in findings(assess(now={"MET_PRESENT": "Y", **slot}), "hard")) is hard


def test_a_sixth_target_lesion_cannot_be_entered():
    names = {f.name for f in get_form("tumour_assessment").fields}
    assert "LES5_DIAM_MM" in names and "LES6_DIAM_MM" not in names


@pytest.mark.parametrize(("now", "check"), [
    ({"MET_PRESENT": "N", "CURIE": 2}, "TA.MET_ABSENT_BUT_BONE_UPTAKE"),
    ({"MET_PRESENT": "Y", "MET_UPTAKE_RESOLVED": "Y", "CURIE": 2}, "TA.UPTAKE_RESOLVED_BUT_BONE_SCORE"),
    ({"MET_PRESENT": "Y"}, "TA.MET_DETAIL_NEEDED"),
    ({"PRIM_PRESENT": "N", "PRIM_LD_MM": "12"}, "TA.PRIM_LD_WHEN_ABSENT"),
    ({"BM_DONE": "Y", "BM_PCT": None}, "TA.BM_PCT_NEEDED"),
    ({"BM_DONE": "N", "BM_PCT": "3"}, "TA.BM_PCT_WHEN_NOT_DONE"),
    ({"BM_DONE": "Y", "BM_ADEQUATE": "Y", "BM_DT": None}, "TA.BM_DT_NEEDED"),
    ({"CTMRI_DONE": "Y"}, "TA.CTMRI_DT_NEEDED"),
    ({"PET_DONE": "Y"}, "TA.PET_DT_NEEDED"),
    ({"ASSESS_NO": None}, "TA.ASSESS_NO_NEEDED"),
])
def test_inconsistent_or_incomplete_entries_raise_soft_queries(assess, findings, now, check):
    assert check in findings(assess(now=now), "soft")


def test_a_complete_consistent_assessment_raises_no_finding(assess):
    now = {"MIBG_DONE": "Y", "MIBG_DT": "2025-04-08", "MIBG_SCAN_TYPE": "PLANAR", "MIBG_SCORE_METHOD": "CURIE",
           "CTMRI_DONE": "Y", "CTMRI_DT": "2025-04-07", "CTMRI_MODALITY": "MRI", "PET_DONE": "N",
           "BM_DONE": "Y", "BM_DT": "2025-04-09", "BM_ADEQUATE": "Y"}
    baseline = {"MIBG_SCORE_METHOD": "CURIE", "MIBG_SCAN_TYPE": "PLANAR"}
    assert assess(now=now, baseline=baseline)["findings"] == []


def test_derived_values_are_declared_read_only_and_never_entered():
    form = get_form("tumour_assessment")
    derived = {f.name for f in form.fields if f.derived}
    assert derived == {"CURIE_TOTAL", "CURIE_BONE", "SIOPEN_TOTAL", "LES_SUM_MM", "REL_MIBG", "PRIM_RESP",
                       "MET_RESP", "BM_RESP", "OVERALL_RESP", "RESP_RULE_VERSION", "EXTRA_INF_ELIG"}
    assert not derived & {f.name for f in form.entered_fields}


def test_every_check_names_a_spec_clause_and_a_rule_for_the_listing():
    rows = describe_checks([get_form("tumour_assessment")])
    assert rows and all(row["clause"].startswith("spec ") and row["rule"] and row["message"] for row in rows)
    assert len({row["id"] for row in rows}) == len(rows)
