"""The pure functions the app uses to re-derive later assessments: baseline_of, nadir_of, derive_response."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from config.protocol import REGISTRY
from forms.response import baseline_of, derive_response, nadir_of


def typed(dt: str, kind: str, prim: Decimal | None, sod: Decimal | None, **extra) -> dict:
    return {"ASSESS_DT": date.fromisoformat(dt), "ASSESS_TYPE": kind,
            "PRIM_PRESENT": "Y" if prim else "N", "PRIM_LD_MM": prim,
            "MET_PRESENT": "Y" if sod else "N", "MET_TARGET_SOD_MM": sod, **extra}


SCREEN = typed("2024-12-01", "BASELINE", Decimal(60), Decimal(50))
BASELINE = typed("2025-01-10", "BASELINE", Decimal(55), Decimal(45))
RA1 = typed("2025-03-01", "RESPONSE", Decimal(30), Decimal(20))
RA2 = typed("2025-05-01", "RESPONSE", Decimal(35), Decimal(26))


@pytest.mark.parametrize(("first_treatment", "expected"), [
    (date(2025, 1, 11), BASELINE),
    ("2025-01-10", BASELINE),
    (date(2025, 1, 9), SCREEN),
    (date(2024, 11, 30), None),
    (None, RA2),
])
def test_baseline_is_the_last_assessment_on_or_before_first_treatment(first_treatment, expected):
    assert baseline_of([RA1, SCREEN, RA2, BASELINE], first_treatment) is expected


def test_baseline_of_reads_string_dates():
    raw = [{"ASSESS_DT": "2025-01-10", "n": 1}, {"ASSESS_DT": "2025-03-01", "n": 2}]
    assert baseline_of(raw, "2025-02-01") == {"ASSESS_DT": "2025-01-10", "n": 1}


def test_nadir_is_the_smallest_value_on_study_including_baseline():
    assert nadir_of([BASELINE, RA1, RA2]) == {"PRIM_LD_MM": Decimal(30), "MET_TARGET_SOD_MM": Decimal(20)}
    assert nadir_of([BASELINE]) == {"PRIM_LD_MM": Decimal(55), "MET_TARGET_SOD_MM": Decimal(45)}


def test_nadir_counts_an_absent_primary_as_0_and_skips_unmeasured_assessments():
    assessments = [
        {"PRIM_PRESENT": "Y", "PRIM_LD_MM": "40", "MET_PRESENT": "Y"},
        {"PRIM_PRESENT": "N", "MET_PRESENT": "Y", "MET_TARGET_SOD_MM": 33},
        {"PRIM_PRESENT": None, "MET_PRESENT": None},
    ]
    assert nadir_of(assessments) == {"PRIM_LD_MM": Decimal(0), "MET_TARGET_SOD_MM": Decimal(33)}


def test_nadir_of_nothing_is_unknown():
    assert nadir_of([]) == {"PRIM_LD_MM": None, "MET_TARGET_SOD_MM": None}


def test_nadir_uses_the_lesion_sum_when_no_total_was_typed():
    assessment = {"MET_PRESENT": "Y", "LES1_ORGAN": "Liver", "LES1_NODE": "N", "LES1_DIAM_MM": "11",
                  "LES2_ORGAN": "Lung", "LES2_NODE": "N", "LES2_DIAM_MM": Decimal("7.5")}
    assert nadir_of([assessment])["MET_TARGET_SOD_MM"] == Decimal("18.5")


def _as_strings(values: dict) -> dict:
    return {k: None if v is None else str(v) for k, v in values.items()}


def test_typed_values_and_strings_derive_the_same_response():
    extra = {"PRIM_UPTAKE": "STABLE", "MET_ALL_LT10MM": "N", "MET_NONTARGET": "ABSENT",
             "MET_UPTAKE_RESOLVED": "N", "NEW_LESION": "N", "BM_PCT": Decimal("0")}
    current = {**RA2, **extra}
    baseline = {**BASELINE, "BM_PCT": Decimal("12.5")}
    nadir = nadir_of([BASELINE, RA1])
    from_typed = derive_response(current, baseline, nadir, REGISTRY)
    from_strings = derive_response(_as_strings(current), _as_strings(baseline), _as_strings(nadir), REGISTRY)
    assert from_typed == from_strings
    assert (from_typed["PRIM_RESP"], from_typed["MET_RESP"], from_typed["BM_RESP"], from_typed["OVERALL_RESP"]) == (
        "PR", "PD", "CR", "PD")


def test_changing_an_earlier_assessment_changes_the_later_derivation():
    extra = {"PRIM_UPTAKE": "STABLE", "MET_ALL_LT10MM": "N", "MET_NONTARGET": "ABSENT",
             "MET_UPTAKE_RESOLVED": "N", "NEW_LESION": "N", "BM_PCT": 0}
    later = {**RA2, **extra}
    baseline = {**BASELINE, "BM_PCT": 0}
    before = derive_response(later, baseline, nadir_of([BASELINE, RA1]), REGISTRY)
    corrected_ra1 = {**RA1, "MET_TARGET_SOD_MM": Decimal(24)}
    after = derive_response(later, baseline, nadir_of([BASELINE, corrected_ra1]), REGISTRY)
    assert (before["MET_RESP"], after["MET_RESP"]) == ("PD", "PR")


def test_every_derivation_carries_the_rule_version():
    derived = derive_response({}, None, None)
    assert derived["RESP_RULE_VERSION"] == REGISTRY["inrc_rule_version"] and derived["OVERALL_RESP"] == "NE"
