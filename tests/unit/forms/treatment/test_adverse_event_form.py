"""Adverse event form (spec 2 and 3) through the check harness: coding, grading, seriousness, attribution,
infusion timing, SAE and SUSAR clocks, DLT proposal."""
from __future__ import annotations

import pytest

BASE = {
    "AETERM": "Fatigue", "AETOXGR": "2", "AESTDTC": "2025-03-15", "AEENDTC": "2025-03-18", "AEONGO": "N",
    "AESER": "N", "AEREL_NK": "2", "AEREL_CHEMO": "3", "AEACN_NK": "NONE", "AEOUT": "RECOVERED",
    "AEEXPECT": "EXPECTED", "AE_INF_NO": "1",
}
INFUSION_1 = {"INF_NO": 1, "INF_DT": "2025-03-10", "INF_START_DTC": "2025-03-10 09:30",
              "INF_END_DTC": "2025-03-10 10:00"}
CONTEXT = {"arm": "NK", "ICDTC": "2025-01-05", "infusions": [INFUSION_1]}

SERIOUS = {"AESER": "Y", "AESMIE": "Y", "SAE_AWARE_DTC": "2025-03-15 12:00", "SAE_SENT_DTC": "2025-03-15 18:00"}
FATAL = {"AETERM": "Sepsis", "AETOXGR": "5", "AEOUT": "FATAL", "AEENDTC": "2025-03-20", "AEDTHDTC": "2025-03-20",
         "AESER": "Y", "AESDTH": "Y", "SAE_AWARE_DTC": "2025-03-20 08:00", "SAE_SENT_DTC": "2025-03-20 10:00",
         "AEREL_NK": "1", "DLT_CONFIRM": "Y"}


@pytest.fixture
def ae(run):
    def _ae(data=None, context=None):
        return run("adverse_event", BASE, CONTEXT, data=data, context=context)
    return _ae


def test_a_complete_non_serious_event_raises_no_finding_and_is_coded(ae):
    result = ae()
    assert result["findings"] == []
    derived = result["derived"]
    assert (derived["AELLT_CD"], derived["AESOC"], derived["AESOC_CD"]) == (
        "10016256", "General disorders and administration site conditions", "10018065")
    assert derived["AEREL_NK_BIN"] == "N"
    assert derived["AE_DAYS_POST_INF"] == 5
    assert derived["DLT_FLAG"] == "N"
    assert derived["AEDICT_VERSION"].startswith("NCI CTCAE 5.0")


@pytest.mark.parametrize(
    "term, grade, expected",
    [
        ("Anaphylaxis", "2", "hard"),
        ("Anaphylaxis", "3", None),
        ("Anaphylaxis", "5", None),
        ("Death NOS", "4", "hard"),
        ("Death NOS", "5", None),
        ("Chills", "3", None),
        ("Chills", "4", "hard"),
        ("Hyperuricemia", "2", "hard"),
        ("Hyperuricemia", "1", None),
        ("Neutrophil count decreased", "5", "hard"),
        ("Hypoxia", "1", "hard"),
    ],
)
def test_the_grade_must_be_one_defined_for_the_term(ae, outcome, term, grade, expected):
    assert outcome(ae({"AETERM": term, "AETOXGR": grade}), "AE_GRADE_DEFINED") == expected


@pytest.mark.parametrize(
    "term, grade, listed",
    [("Anaphylaxis", "2", "choose grade 3, 4 or 5"), ("Death NOS", "3", "choose grade 5"),
     ("Hyperuricemia", "2", "choose grade 1, 3, 4 or 5")],
)
def test_an_undefined_grade_message_lists_the_defined_grades(ae, message, term, grade, listed):
    assert listed in message(ae({"AETERM": term, "AETOXGR": grade}), "AE_GRADE_DEFINED")


@pytest.mark.parametrize(
    "term, expected_check",
    [("Fatigue", None), ("fatigue", None), ("Tiredness", "hard"), ("Graft versus host disease", "hard")],
)
def test_the_term_must_come_from_the_dictionary(ae, outcome, term, expected_check):
    assert outcome(ae({"AETERM": term}), "AE_TERM_IN_DICTIONARY") == expected_check


def test_a_term_typed_in_another_case_is_coded_with_the_dictionary_spelling(ae):
    derived = ae({"AETERM": "anaphylaxis", "AETOXGR": "3"})["derived"]
    assert (derived["AETERM_CODED"], derived["AELLT_CD"]) == ("Anaphylaxis", "10002218")


@pytest.mark.parametrize("verbatim, expected", [(None, "hard"), ("acute GVHD of the skin", None)])
def test_other_specify_terms_require_a_verbatim_term(ae, outcome, verbatim, expected):
    result = ae({"AETERM": "Immune system disorders - Other, specify", "AETOXGR": "2", "AETERM_OTH": verbatim,
                 "GVHD_OVERALL_GR": "I"})
    assert outcome(result, "AE_VERBATIM") == expected
    assert result["derived"]["AELLT_CD"] == "10021428"


def test_a_supplied_dictionary_replaces_the_shipped_short_list(ae, outcome):
    dictionary = {"Tachypnea (local)": {"meddra": "99999999", "soc": "Respiratory", "grades": {"1": "a", "2": "b"}}}
    result = ae({"AETERM": "Tachypnea (local)", "AETOXGR": "3"},
                {"dictionary": dictionary, "dictionary_version": "local 1"})
    assert outcome(result, "AE_TERM_IN_DICTIONARY") is None
    assert outcome(result, "AE_GRADE_DEFINED") == "hard"
    assert (result["derived"]["AELLT_CD"], result["derived"]["AEDICT_VERSION"]) == ("99999999", "local 1")


@pytest.mark.parametrize(
    "data, check, expected",
    [
        ({"AEENDTC": "2025-03-15"}, "AE_END_AFTER_ONSET", None),
        ({"AEENDTC": "2025-03-14"}, "AE_END_AFTER_ONSET", "hard"),
        ({"AEENDTC": None, "AEONGO": "Y", "AEOUT": "NOT_RECOVERED"}, "AE_END_OR_ONGOING", None),
        ({"AEENDTC": None, "AEONGO": "N"}, "AE_END_OR_ONGOING", "soft"),
        ({"AEONGO": "Y"}, "AE_ENDED_AND_ONGOING", "hard"),
        ({"AEENDTC": None, "AEONGO": "Y", "AEOUT": "RECOVERED"}, "AE_OUTCOME_ONGOING", "soft"),
    ],
)
def test_end_date_and_ongoing_flag(ae, outcome, data, check, expected):
    assert outcome(ae(data), check) == expected


@pytest.mark.parametrize("onset, expected", [("2025-01-05", None), ("2025-01-04", "hard")])
def test_onset_cannot_precede_informed_consent(ae, outcome, onset, expected):
    result = ae({"AESTDTC": onset, "AE_INF_NO": None}, {"infusions": []})
    assert outcome(result, "AE_ONSET_AFTER_CONSENT") == expected


def test_a_complete_grade_5_event_passes_every_grade_5_rule(ae):
    result = ae(FATAL, {"death_recorded": True})
    assert result["findings"] == []


@pytest.mark.parametrize(
    "data, check",
    [
        ({"AEOUT": "NOT_RECOVERED"}, "AE_GRADE5_FATAL"),
        ({"AEDTHDTC": None}, "AE_GRADE5_DEATH_DATE"),
        ({"AEDTHDTC": "2025-03-21"}, "AE_GRADE5_DEATH_DATE"),
        ({"AESDTH": "N", "AESLIFE": "Y"}, "AE_GRADE5_SERIOUS"),
        ({"AESER": "N", "AESDTH": None}, "AE_GRADE5_SERIOUS"),
    ],
)
def test_grade_5_requires_fatal_outcome_death_date_as_end_date_and_seriousness(ae, outcome, data, check):
    assert outcome(ae({**FATAL, **data}, {"death_recorded": True}), check) == "hard"


@pytest.mark.parametrize(
    "data, check",
    [
        ({"AETOXGR": "3", "AEOUT": "FATAL"}, "AE_GRADE5_FATAL"),
        ({"AEDTHDTC": "2025-03-18"}, "AE_GRADE5_DEATH_DATE"),
    ],
)
def test_a_fatal_outcome_or_death_date_belongs_only_to_grade_5(ae, outcome, data, check):
    assert outcome(ae(data), check) == "hard"


@pytest.mark.parametrize("recorded, expected", [(True, None), (False, "soft"), (None, None)])
def test_grade_5_asks_for_the_death_form(ae, outcome, recorded, expected):
    assert outcome(ae(FATAL, {"death_recorded": recorded}), "AE_GRADE5_DEATH_FORM") == expected


@pytest.mark.parametrize("serious, expected", [("N", "soft"), ("Y", None)])
def test_grade_4_that_is_not_serious_raises_a_query(ae, outcome, serious, expected):
    extra = SERIOUS if serious == "Y" else {}
    result = ae({"AETERM": "Hypotension", "AETOXGR": "4", "AESER": serious, **({**extra, "AESER": serious})})
    assert outcome(result, "AE_GRADE4_NOT_SERIOUS") == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"AESER": "N"}, None),
        ({"AESER": "Y", "AESMIE": "Y"}, None),
        ({"AESER": "Y"}, "hard"),
        ({"AESER": "Y", "AESMIE": "N", "AESLIFE": "N"}, "hard"),
        ({"AESER": "N", "AESLIFE": "Y"}, "hard"),
    ],
)
def test_serious_if_and_only_if_at_least_one_seriousness_criterion(ae, outcome, data, expected):
    result = ae({**data, "SAE_AWARE_DTC": "2025-03-15 12:00"})
    assert outcome(result, "AE_SERIOUS_CRITERIA") == expected


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"AEHOSP_ADM_DT": "2025-03-15"}, None),
        ({"AEHOSP_ADM_DT": "2025-03-14"}, "hard"),
        ({"AEHOSP_ADM_DT": None}, "hard"),
        ({"AEHOSP_ADM_DT": None, "AEHOSP_PROLONG": "Y"}, None),
    ],
)
def test_hospitalisation_needs_an_admission_on_or_after_onset_or_a_prolongation(ae, outcome, data, expected):
    result = ae({**SERIOUS, "AESMIE": None, "AESHOSP": "Y", **data})
    assert outcome(result, "AE_HOSPITAL_ADMISSION") == expected


@pytest.mark.parametrize(
    "arm, rel, expected",
    [("CONTROL", "NA", None), ("CONTROL", "1", "hard"), ("NK", "1", None), ("NK", "NA", "hard"),
     ("NK", None, "hard")],
)
def test_nk_attribution_is_not_applicable_in_the_control_arm_and_required_in_the_nk_arm(ae, outcome, arm, rel,
                                                                                          expected):
    context = {"arm": arm} if arm == "NK" else {"arm": arm, "infusions": []}
    result = ae({"AEREL_NK": rel, "AE_INF_NO": None if arm == "CONTROL" else "1", "AEACN_NK": "NA"}, context)
    assert outcome(result, "AE_NK_ATTRIBUTION") == expected


@pytest.mark.parametrize("action, expected", [("NA", None), ("NONE", "hard")])
def test_control_arm_action_with_nk_cells_is_not_applicable(ae, outcome, action, expected):
    result = ae({"AEREL_NK": "NA", "AEACN_NK": action, "AE_INF_NO": None}, {"arm": "CONTROL", "infusions": []})
    assert outcome(result, "AE_NK_ACTION_CONTROL") == expected


@pytest.mark.parametrize(
    "term, grade, arm, chemo, expected",
    [
        ("Neutrophil count decreased", "4", "NK", None, "hard"),
        ("Neutrophil count decreased", "4", "NK", "4", None),
        ("Platelet count decreased", "4", "NK", None, "hard"),
        ("Platelet count decreased", "3", "NK", None, None),
        ("Platelet count decreased", "4", "CONTROL", None, None),
        ("Anemia", "4", "NK", None, None),
    ],
)
def test_grade_4_neutropenia_or_thrombocytopenia_in_the_nk_arm_needs_chemotherapy_attribution(
        ae, outcome, term, grade, arm, chemo, expected):
    result = ae({"AETERM": term, "AETOXGR": grade, "AEREL_CHEMO": chemo}, {"arm": arm})
    assert outcome(result, "AE_HAEM_G4_CHEMO_ATTRIBUTION") == expected


@pytest.mark.parametrize(
    "term, onset, time, expected",
    [
        ("Fever", "2025-03-10", "20:00", "soft"),
        ("Fever", "2025-03-11", "10:00", "soft"),
        ("Fever", "2025-03-11", "10:01", None),
        ("Chills", "2025-03-10", "09:45", "soft"),
        ("Hypotension", "2025-03-11", None, "soft"),
        ("Hypoxia", "2025-03-12", None, None),
        ("Urticaria", "2025-03-10", "23:00", "soft"),
        ("Fatigue", "2025-03-10", "20:00", None),
    ],
)
def test_single_signs_within_24_hours_of_an_infusion_suggest_the_unifying_term(ae, outcome, term, onset, time,
                                                                                expected):
    result = ae({"AETERM": term, "AETOXGR": "2", "AESTDTC": onset, "AESTTM": time, "AEENDTC": "2025-03-12"})
    assert outcome(result, "AE_UNIFYING_TERM") == expected


def test_the_unifying_term_query_names_both_candidate_terms(ae, message):
    text = message(ae({"AETERM": "Fever", "AETOXGR": "1", "AESTDTC": "2025-03-10", "AESTTM": "20:00"}),
                   "AE_UNIFYING_TERM")
    assert "Infusion related reaction" in text and "Cytokine release syndrome" in text and "unifying term" in text


def test_control_arm_events_get_no_unifying_term_query(ae, outcome):
    result = ae({"AETERM": "Fever", "AETOXGR": "1", "AESTDTC": "2025-03-10", "AEREL_NK": "NA", "AEACN_NK": "NA",
                 "AE_INF_NO": None}, {"arm": "CONTROL", "infusions": []})
    assert outcome(result, "AE_UNIFYING_TERM") is None


def test_hours_after_the_infusion_count_from_its_end(ae):
    derived = ae({"AESTDTC": "2025-03-10", "AESTTM": "20:00"})["derived"]
    assert derived["AE_HRS_POST_INF"] == 10
    assert derived["AE_INF_PRECEDING"] == 1


def test_hours_after_the_infusion_need_an_onset_time(ae):
    assert ae({"AESTDTC": "2025-03-10", "AESTTM": None})["derived"]["AE_HRS_POST_INF"] is None


@pytest.mark.parametrize(
    "data, context, expected",
    [
        ({"AE_INF_NO": "1"}, {}, None),
        ({"AE_INF_NO": "2"}, {}, "hard"),
        ({"AE_INF_NO": "1", "AESTDTC": "2025-03-09", "AEENDTC": "2025-03-12"}, {}, "hard"),
        ({"AE_INF_NO": "1", "AEREL_NK": "NA", "AEACN_NK": "NA"}, {"arm": "CONTROL"}, "hard"),
    ],
)
def test_the_infusion_number_must_name_a_recorded_infusion_before_the_onset(ae, outcome, data, context, expected):
    assert outcome(ae(data, context), "AE_INFUSION_REFERENCE") == expected


@pytest.mark.parametrize("number, expected", [("2", None), ("1", "soft")])
def test_the_infusion_number_should_be_the_last_before_the_onset(ae, outcome, number, expected):
    infusion_2 = {"INF_NO": 2, "INF_DT": "2025-03-14", "INF_END_DTC": "2025-03-14 10:00"}
    result = ae({"AE_INF_NO": number}, {"infusions": [INFUSION_1, infusion_2]})
    assert outcome(result, "AE_INFUSION_LATEST") == expected


@pytest.mark.parametrize("onset, expected", [("2025-04-09", None), ("2025-04-10", "soft")])
def test_non_serious_unrelated_events_beyond_30_days_after_the_last_infusion_are_queried(ae, outcome, onset,
                                                                                           expected):
    result = ae({"AESTDTC": onset, "AEENDTC": onset})
    assert outcome(result, "AE_COLLECTION_WINDOW") == expected


@pytest.mark.parametrize(
    "data, check, expected",
    [
        ({"SAE_AWARE_DTC": None}, "AE_SAE_AWARENESS", "hard"),
        ({"SAE_AWARE_DTC": "2025-03-15 00:00"}, "AE_SAE_AWARE_AFTER_ONSET", None),
        ({"SAE_AWARE_DTC": "2025-03-14 23:59", "SAE_SENT_DTC": None}, "AE_SAE_AWARE_AFTER_ONSET", "hard"),
        ({"SAE_SENT_DTC": "2025-03-15 11:59"}, "AE_SAE_SENT_AFTER_AWARE", "hard"),
        ({"SAE_SENT_DTC": "2025-03-16 12:00"}, "AE_SAE_LATE", None),
        ({"SAE_SENT_DTC": "2025-03-16 12:01"}, "AE_SAE_LATE", "soft"),
    ],
)
def test_serious_events_need_awareness_time_and_a_report_within_24_hours(ae, outcome, data, check, expected):
    assert outcome(ae({**SERIOUS, **data}), check) == expected


@pytest.mark.parametrize(
    "sent, late, deviations",
    [("2025-03-16 12:00", "N", []), ("2025-03-16 12:01", "Y", ["SAE_REPORTING"])],
)
def test_a_late_sae_report_is_derived_and_becomes_a_deviation(ae, sent, late, deviations):
    derived = ae({**SERIOUS, "SAE_SENT_DTC": sent})["derived"]
    assert derived["SAE_DUE_DTC"] == "2025-03-16T12:00:00"
    assert derived["SAE_LATE"] == late
    assert [d["category"] for d in derived["deviations"]] == deviations


@pytest.mark.parametrize(
    "now, expected, overdue",
    [("2025-03-16 07:59", None, False), ("2025-03-16 08:00", "soft", False), ("2025-03-16 12:00", "soft", False),
     ("2025-03-16 12:01", "soft", True)],
)
def test_an_unsent_sae_report_alerts_from_20_hours_and_is_overdue_after_24(ae, outcome, now, expected, overdue):
    result = ae({**SERIOUS, "SAE_SENT_DTC": None}, {"now": now})
    assert outcome(result, "AE_SAE_CLOCK") == expected
    assert result["derived"]["SAE_OVERDUE"] is overdue


def test_death_from_disease_progression_starts_no_expedited_clock(ae, outcome):
    result = ae({**FATAL, "AETERM": "Disease progression", "SAE_AWARE_DTC": None, "SAE_SENT_DTC": None},
                {"death_recorded": True})
    assert outcome(result, "AE_SAE_AWARENESS") is None
    assert result["derived"]["SAE_EXPEDITED"] == "N"
    assert result["derived"]["SUSAR"] == "N"


@pytest.mark.parametrize(
    "data, susar, initial, complete",
    [
        ({"AEREL_NK": "3", "AEEXPECT": "UNEXPECTED"}, "Y", "2025-03-30", None),
        ({"AEREL_NK": "5", "AEEXPECT": "UNEXPECTED", "AESLIFE": "Y"}, "Y", "2025-03-22", "2025-03-30"),
        ({"AEREL_NK": "3", "AEEXPECT": "UNEXPECTED", "SUSAR_CLOCK_START": "2025-03-17 09:00"}, "Y", "2025-04-01",
         None),
        ({"AEREL_NK": "2", "AEEXPECT": "UNEXPECTED"}, "N", None, None),
        ({"AEREL_NK": "4", "AEEXPECT": "EXPECTED"}, "N", None, None),
    ],
)
def test_susars_get_7_or_15_calendar_day_due_dates(ae, data, susar, initial, complete):
    derived = ae({**SERIOUS, **data})["derived"]
    assert derived["SUSAR"] == susar
    assert derived["SUSAR_DUE_DT"] == initial
    assert derived["SUSAR_COMPLETE_DUE_DT"] == complete


@pytest.mark.parametrize("rel, binary", [("1", "N"), ("2", "N"), ("3", "Y"), ("4", "Y"), ("5", "Y")])
def test_nk_attribution_counts_as_related_from_possible(ae, rel, binary):
    assert ae({"AEREL_NK": rel})["derived"]["AEREL_NK_BIN"] == binary


@pytest.mark.parametrize(
    "data, context, flag, categories",
    [
        ({"AETERM": "Sepsis", "AETOXGR": "3", "AEREL_NK": "3"}, {}, "Y", [1]),
        ({"AETERM": "Sepsis", "AETOXGR": "3", "AEREL_NK": "2"}, {}, "N", []),
        ({"AETERM": "Fever", "AETOXGR": "3", "AEREL_NK": "4"}, {}, "N", []),
        ({"AETERM": "Fever", "AETOXGR": "4", "AEREL_NK": "4"}, {}, "Y", [1]),
        ({"AETERM": "Sepsis", "AETOXGR": "3", "AEREL_NK": "3", "AESTDTC": "2025-04-07",
          "AEENDTC": "2025-04-08"}, {}, "Y", [1]),
        ({"AETERM": "Sepsis", "AETOXGR": "3", "AEREL_NK": "3", "AESTDTC": "2025-04-08",
          "AEENDTC": "2025-04-09"}, {}, "N", []),
        ({"AETERM": "Sepsis", "AETOXGR": "3", "AEREL_NK": "3"}, {"next_chemo_start": "2025-03-15"}, "N", []),
        ({"AETERM": "Alanine aminotransferase increased", "AETOXGR": "3", "AEREL_NK": "3",
          "AEENDTC": "2025-03-22"}, {}, "N", []),
        ({"AETERM": "Alanine aminotransferase increased", "AETOXGR": "3", "AEREL_NK": "3",
          "AEENDTC": "2025-03-23"}, {}, "Y", [1]),
        ({"AETERM": "Infusion related reaction", "AETOXGR": "3", "AEREL_NK": "5"}, {}, "Y", [2]),
        ({"AETERM": "Cytokine release syndrome", "AETOXGR": "3", "AEREL_NK": "4"}, {}, "Y", [3]),
        ({"AETERM": "Cytokine release syndrome", "AETOXGR": "2", "AEREL_NK": "4"}, {}, "N", []),
        ({"AETERM": "Immune system disorders - Other, specify", "AETERM_OTH": "acute GVHD", "AETOXGR": "2",
          "GVHD_OVERALL_GR": "II", "AEREL_NK": "4"}, {}, "Y", [4]),
        ({"AETERM": "Immune system disorders - Other, specify", "AETERM_OTH": "acute GVHD", "AETOXGR": "2",
          "GVHD_OVERALL_GR": "I", "AEREL_NK": "4"}, {}, "N", []),
        ({"AETERM": "Neutrophil count decreased", "AETOXGR": "4", "AEREL_NK": "3", "AEREL_CHEMO": "2",
          "AEENDTC": None, "AEONGO": "Y", "AEOUT": "NOT_RECOVERED"}, {"as_of": "2025-04-08"}, "Y", [5]),
        ({"AETERM": "Neutrophil count decreased", "AETOXGR": "4", "AEREL_NK": "3", "AEREL_CHEMO": "2",
          "AEENDTC": None, "AEONGO": "Y", "AEOUT": "NOT_RECOVERED"}, {"as_of": "2025-04-07"}, "N", []),
        ({"AETERM": "Neutrophil count decreased", "AETOXGR": "4", "AEREL_NK": "3", "AEREL_CHEMO": "4",
          "AEENDTC": None, "AEONGO": "Y", "AEOUT": "NOT_RECOVERED"}, {"as_of": "2025-04-08"}, "N", []),
        ({**FATAL, "AETERM": "Death NOS"}, {"death_recorded": True}, "Y", [6]),
        ({**FATAL, "AETERM": "Disease progression"}, {"death_recorded": True}, "N", []),
    ],
)
def test_the_dlt_flag_follows_the_configured_categories(ae, data, context, flag, categories):
    derived = ae(data, context)["derived"]
    assert (derived["DLT_FLAG"], derived["DLT_CAT"]) == (flag, categories)


def test_control_arm_events_are_never_dlts(ae):
    data = {"AETERM": "Sepsis", "AETOXGR": "4", "AEREL_NK": "NA", "AEACN_NK": "NA", "AE_INF_NO": None}
    assert ae(data, {"arm": "CONTROL", "infusions": []})["derived"]["DLT_FLAG"] == "N"


@pytest.mark.parametrize(
    "grade, confirm, expected",
    [("3", None, "soft"), ("3", "Y", None), ("3", "N", "soft"), ("2", "Y", "soft"), ("2", None, None)],
)
def test_the_investigator_confirms_or_explains_the_derived_dlt(ae, outcome, grade, confirm, expected):
    result = ae({"AETERM": "Sepsis", "AETOXGR": grade, "AEREL_NK": "3", "DLT_CONFIRM": confirm})
    assert outcome(result, "AE_DLT_CONFIRMATION") == expected


@pytest.mark.parametrize("gvhd_grade, expected", [(None, "soft"), ("III", None)])
def test_acute_gvhd_needs_its_overall_grade(ae, outcome, gvhd_grade, expected):
    result = ae({"AETERM": "Immune system disorders - Other, specify", "AETERM_OTH": "Graft-versus-host disease",
                 "GVHD_OVERALL_GR": gvhd_grade})
    assert outcome(result, "AE_GVHD_GRADE") == expected
