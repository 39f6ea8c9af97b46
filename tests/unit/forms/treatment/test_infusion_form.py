"""NK-cell infusion form (spec 7 Administration CRF) through the check harness: pass, fail and boundary."""
from __future__ import annotations

import pytest

from forms.safety import infusion_refusals

BASE = {
    "INF_NO": "1", "INF_DT": "2025-03-10", "CHEMO_COURSE_END_DT": "2025-03-02",
    "WEIGHT_KG": "20", "WEIGHT_DT": "2025-03-09", "DOSE_ACTUAL": "100000000",
    "THAW_DTC": "2025-03-10 09:00", "INF_START_DTC": "2025-03-10 09:30", "INF_END_DTC": "2025-03-10 10:00",
    "PREMED": "paracetamol 300 mg", "PREMED_STEROID": "N", "INF_INTERRUPTED": "N", "INF_INTERRUPT_AE": None,
    **{f"VS_{tp}_{m}": v for tp in ("PRE", "15MIN", "END", "1H", "4H")
       for m, v in (("TEMP_C", "36.8"), ("HR", "100"), ("SBP", "105"), ("DBP", "65"), ("RR", "20"), ("SPO2", "98"))},
}
CONTEXT = {"product_release_passed": True, "previous_infusions": [], "ae_ids": []}
PREVIOUS_THREE = [{"INF_NO": 1, "INF_DT": "2025-01-10"}, {"INF_NO": 2, "INF_DT": "2025-02-10"},
                  {"INF_NO": 3, "INF_DT": "2025-03-01"}]


def infusion(run, data=None, context=None):
    return run("infusion", BASE, CONTEXT, data=data, context=context)


def test_a_complete_infusion_within_every_rule_raises_no_finding(run, outcome, message):
    result = infusion(run)
    assert result["findings"] == []
    assert result["derived"]["DOSE_PLANNED"] == 100_000_000
    assert result["derived"]["DOSE_PER_KG"] == 5_000_000
    assert result["derived"]["DOSE_DEV_PCT"] == 0
    assert result["derived"]["DAYS_AFTER_CHEMO"] == 8
    assert result["derived"]["THAW_TO_START_MIN"] == 30
    assert result["derived"]["deviations"] == []


@pytest.mark.parametrize(
    "chemo_end, days, soft, hard",
    [
        ("2025-03-03", 7, None, None),
        ("2025-02-28", 10, None, None),
        ("2025-03-04", 6, "soft", None),
        ("2025-02-27", 11, "soft", None),
        ("2025-03-05", 5, "soft", None),
        ("2025-03-06", 4, None, "hard"),
        ("2025-03-11", -1, None, "hard"),
    ],
)
def test_infusion_window_after_chemotherapy_is_soft_outside_7_to_10_days_and_hard_below_5(
        run, outcome, message, chemo_end, days, soft, hard):
    result = infusion(run, {"CHEMO_COURSE_END_DT": chemo_end})
    assert result["derived"]["DAYS_AFTER_CHEMO"] == days
    assert outcome(result, "INF_WINDOW") == soft
    assert outcome(result, "INF_WINDOW_MINIMUM") == hard


def test_an_infusion_before_the_course_ended_says_so(run, outcome, message):
    result = infusion(run, {"CHEMO_COURSE_END_DT": "2025-03-11"})
    assert "before the chemotherapy course ended" in message(result, "INF_WINDOW_MINIMUM")


def test_an_infusion_outside_the_window_becomes_a_protocol_deviation(run, outcome, message):
    deviations = infusion(run, {"CHEMO_COURSE_END_DT": "2025-02-27"})["derived"]["deviations"]
    assert [d["category"] for d in deviations] == ["INFUSION_WINDOW"]
    assert "11 days" in deviations[0]["description"] and deviations[0]["occurred_on"] == "2025-03-10"


def test_the_chemotherapy_end_date_comes_from_context_when_the_field_is_blank(run, outcome, message):
    result = infusion(run, {"CHEMO_COURSE_END_DT": None}, {"CHEMO_COURSE_END_DT": "2025-03-06"})
    assert result["derived"]["DAYS_AFTER_CHEMO"] == 4
    assert outcome(result, "INF_WINDOW_MINIMUM") == "hard"


@pytest.mark.parametrize("stored, expected", [("2025-03-02", None), ("2025-03-01", "soft")])
def test_a_typed_chemotherapy_end_date_must_match_the_chemotherapy_form(run, outcome, message, stored, expected):
    assert outcome(infusion(run, context={"CHEMO_COURSE_END_DT": stored}), "INF_CHEMO_END_MATCH") == expected


@pytest.mark.parametrize(
    "actual, deviation, soft, hard",
    [
        ("110000000", 10, None, None),
        ("110100000", 10.1, "soft", None),
        ("120000000", 20, "soft", None),
        ("120100000", 20.1, None, "hard"),
        ("90000000", -10, None, None),
        ("89900000", -10.1, "soft", None),
        ("80000000", -20, "soft", None),
        ("79900000", -20.1, None, "hard"),
    ],
)
def test_dose_tolerance_is_soft_beyond_10_percent_and_hard_beyond_20_percent(run, outcome, message, actual, deviation, soft, hard):
    result = infusion(run, {"DOSE_ACTUAL": actual})
    assert result["derived"]["DOSE_DEV_PCT"] == deviation
    assert outcome(result, "INF_DOSE_TOLERANCE") == soft
    assert outcome(result, "INF_DOSE_LIMIT") == hard


def test_planned_dose_is_five_million_cells_per_kg_of_the_weight(run, outcome, message):
    derived = infusion(run, {"WEIGHT_KG": "17.5", "DOSE_ACTUAL": "87500000"})["derived"]
    assert derived["DOSE_PLANNED"] == 87_500_000
    assert derived["DOSE_PER_KG"] == 5_000_000


def test_a_dose_outside_the_soft_tolerance_becomes_a_protocol_deviation(run, outcome, message):
    deviations = infusion(run, {"DOSE_ACTUAL": "110100000"})["derived"]["deviations"]
    assert [d["category"] for d in deviations] == ["DOSE"]


@pytest.mark.parametrize(
    "number, previous, expected",
    [
        ("1", [], None),
        ("2", [{"INF_NO": 1, "INF_DT": "2025-02-10"}], None),
        ("2", [], "hard"),
        ("3", [{"INF_NO": 1, "INF_DT": "2025-02-10"}], "hard"),
        ("1", [{"INF_NO": "1", "INF_DT": "2025-02-10"}], "hard"),
        ("2", [{"INF_NO": 1, "INF_DT": "2025-03-10"}], "hard"),
        ("2", [{"INF_NO": 1, "INF_DT": "2025-03-11"}], "hard"),
    ],
)
def test_infusions_are_numbered_in_order_without_gaps_or_repeats(run, outcome, message, number, previous, expected):
    result = infusion(run, {"INF_NO": number}, {"previous_infusions": previous})
    assert outcome(result, "INF_SEQUENCE") == expected


@pytest.mark.parametrize(
    "gate_context, expected",
    [
        ({"extra_infusion_eligible": True}, None),
        ({"extra_infusion_eligible": "Y"}, None),
        ({"extra_infusion_eligible": False, "response_after_inf3": "PR"}, "hard"),
        ({"response_after_inf3": "PR"}, None),
        ({"response_after_inf3": "CR"}, None),
        ({"response_after_inf3": "MR"}, None),
        ({"response_after_inf3": "SD"}, "hard"),
        ({"response_after_inf3": "PD"}, "hard"),
        ({}, "hard"),
    ],
)
def test_infusion_4_needs_the_response_after_infusion_3_in_the_configured_set(run, outcome, message, gate_context, expected):
    result = infusion(run, {"INF_NO": "4"}, {"previous_infusions": PREVIOUS_THREE, **gate_context})
    assert outcome(result, "INF_EXTRA_GATE") == expected
    assert outcome(result, "INF_SEQUENCE") is None


def test_the_extra_infusion_refusal_explains_the_gate_and_shows_the_stored_response(run, outcome, message):
    result = infusion(run, {"INF_NO": "4"}, {"previous_infusions": PREVIOUS_THREE, "response_after_inf3": "SD"})
    text = message(result, "INF_EXTRA_GATE")
    assert "after infusion 3" in text and "CR, PR, MR" in text and "SD" in text
    assert result["derived"]["EXTRA_INF_ELIG"] == "N"


def test_the_base_infusions_need_no_response(run, outcome, message):
    previous = PREVIOUS_THREE[:2]
    assert outcome(infusion(run, {"INF_NO": "3"}, {"previous_infusions": previous}), "INF_EXTRA_GATE") is None


@pytest.mark.parametrize("number, expected", [("5", None), ("6", "hard")])
def test_at_most_five_infusions(run, outcome, message, number, expected):
    assert outcome(infusion(run, {"INF_NO": number}, {"extra_infusion_eligible": True}), "INF_MAX_NUMBER") == expected


@pytest.mark.parametrize(
    "weight_dt, expected",
    [("2025-03-10", None), ("2025-03-03", None), ("2025-03-02", "soft"), ("2025-03-11", "soft")],
)
def test_the_weight_must_be_measured_within_7_days_before_the_infusion(run, outcome, message, weight_dt, expected):
    assert outcome(infusion(run, {"WEIGHT_DT": weight_dt}), "INF_WEIGHT_RECENT") == expected


@pytest.mark.parametrize("weight, expected", [("5", None), ("4.9", "hard"), ("100", None), ("100.1", "hard")])
def test_the_weight_must_lie_within_5_to_100_kg(run, outcome, message, weight, expected):
    assert outcome(infusion(run, {"WEIGHT_KG": weight}), "INF_WEIGHT_RANGE") == expected


@pytest.mark.parametrize(
    "start, thaw_soft, order_hard",
    [("2025-03-10 10:00", None, None), ("2025-03-10 10:01", "soft", None), ("2025-03-10 08:59", None, "hard")],
)
def test_the_infusion_starts_within_60_minutes_of_thawing_and_never_before(run, outcome, message, start, thaw_soft, order_hard):
    result = infusion(run, {"INF_START_DTC": start, "INF_END_DTC": "2025-03-10 11:00"})
    assert outcome(result, "INF_THAW_TO_START") == thaw_soft
    assert outcome(result, "INF_START_AFTER_THAW") == order_hard


def test_a_late_start_after_thawing_becomes_a_product_handling_deviation(run, outcome, message):
    result = infusion(run, {"INF_START_DTC": "2025-03-10 10:01", "INF_END_DTC": "2025-03-10 11:00"})
    assert [d["category"] for d in result["derived"]["deviations"]] == ["PRODUCT_HANDLING"]


@pytest.mark.parametrize(
    "data, check, expected",
    [
        ({"INF_END_DTC": "2025-03-10 09:30"}, "INF_END_AFTER_START", None),
        ({"INF_END_DTC": "2025-03-10 09:29"}, "INF_END_AFTER_START", "hard"),
        ({"THAW_DTC": "2025-03-09 23:40", "INF_START_DTC": "2025-03-10 00:10"}, "INF_START_ON_INF_DT", None),
        ({"THAW_DTC": "2025-03-09 23:00", "INF_START_DTC": "2025-03-09 23:30"}, "INF_START_ON_INF_DT", "hard"),
    ],
)
def test_infusion_times_are_in_order_and_on_the_infusion_date(run, outcome, message, data, check, expected):
    assert outcome(infusion(run, data), check) == expected


@pytest.mark.parametrize(
    "field, value, range_hard, clinical_soft",
    [
        ("VS_PRE_TEMP_C", "37.9", None, None),
        ("VS_PRE_TEMP_C", "38.0", None, "soft"),
        ("VS_15MIN_TEMP_C", "43", None, "soft"),
        ("VS_15MIN_TEMP_C", "43.1", "hard", None),
        ("VS_END_TEMP_C", "34", None, "soft"),
        ("VS_END_TEMP_C", "33.9", "hard", None),
        ("VS_1H_HR", "160", None, None),
        ("VS_1H_HR", "161", None, "soft"),
        ("VS_1H_HR", "250", None, "soft"),
        ("VS_1H_HR", "251", "hard", None),
        ("VS_4H_HR", "29", "hard", None),
        ("VS_PRE_SBP", "40", None, "soft"),
        ("VS_PRE_SBP", "39", "hard", None),
        ("VS_PRE_SBP", "221", "hard", None),
        ("VS_END_SPO2", "94", None, None),
        ("VS_END_SPO2", "93", None, "soft"),
        ("VS_END_SPO2", "49", "hard", None),
        ("VS_4H_DBP", "95", None, "soft"),
        ("VS_4H_RR", "45", None, "soft"),
    ],
)
def test_vital_signs_outside_physiological_ranges_are_hard_and_outside_clinical_ranges_soft(
        run, outcome, message, field, value, range_hard, clinical_soft):
    result = infusion(run, {field: value})
    assert outcome(result, f"INF_{field}_RANGE") == range_hard
    assert outcome(result, f"INF_{field}_CLINICAL") == clinical_soft


def test_steroid_premedication_raises_a_query(run, outcome, message):
    assert outcome(infusion(run, {"PREMED_STEROID": "Y"}), "INF_PREMED_STEROID") == "soft"


@pytest.mark.parametrize(
    "data, ae_ids, expected",
    [
        ({"INF_INTERRUPTED": "N"}, [], None),
        ({"INF_INTERRUPTED": "Y", "INF_INTERRUPT_AE": "12"}, [12, 14], None),
        ({"INF_INTERRUPTED": "Y", "INF_INTERRUPT_AE": "12"}, ["12"], None),
        ({"INF_INTERRUPTED": "Y", "INF_INTERRUPT_AE": None}, [12], "hard"),
        ({"INF_INTERRUPTED": "Y", "INF_INTERRUPT_AE": "13"}, [12], "hard"),
    ],
)
def test_an_interrupted_infusion_requires_a_recorded_adverse_event(run, outcome, message, data, ae_ids, expected):
    assert outcome(infusion(run, data, {"ae_ids": ae_ids}), "INF_INTERRUPT_AE") == expected


@pytest.mark.parametrize("released, expected", [(True, None), ("Y", None), (False, "hard"), ("N", "hard"),
                                                (None, "hard")])
def test_the_product_must_have_passed_release_before_infusion(run, outcome, message, released, expected):
    assert outcome(infusion(run, context={"product_release_passed": released}), "INF_RELEASE_PASSED") == expected


@pytest.mark.parametrize(
    "arm, status, consent_current, refused",
    [
        ("NK", "enrolled", True, []),
        ("NK", "on_treatment", True, []),
        ("CONTROL", "on_treatment", True, ["control arm"]),
        ("NK", "screening", True, ["not enrolled"]),
        ("NK", "withdrawn", True, ["withdrawn from treatment"]),
        ("NK", "completed", True, ["ended"]),
        ("NK", "on_treatment", False, ["outdated version"]),
        (None, "screening", False, ["no treatment arm", "not enrolled", "outdated version"]),
    ],
)
def test_infusion_refusals_name_every_reason_in_clinical_words(arm, status, consent_current, refused):
    reasons = infusion_refusals(arm, status, consent_current)
    assert len(reasons) == len(refused)
    for reason, phrase in zip(reasons, refused):
        assert phrase in reason
