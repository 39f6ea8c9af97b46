"""Death and end-of-study forms: cause, grade 5 AE consistency, death form required for death."""
from __future__ import annotations

import pytest

DEATH = {"DTHDTC": "2025-05-01", "DTHCAUSE": "ADVERSE_EVENT", "DTHCAUSE_OTH": None, "AUTOPSY": "N"}
DEATH_CONTEXT = {"ICDTC": "2025-01-05", "grade5_aes": [{"AETERM": "Sepsis", "AEDTHDTC": "2025-05-01"}],
                 "last_infusion_dt": "2025-04-10"}
EOS = {"EOS_DT": "2025-06-01", "EOS_REASON": "COMPLETED", "WITHDRAWAL_SCOPE": None, "EOS_REASON_TXT": None}
EOS_CONTEXT = {"ICDTC": "2025-01-05", "death_recorded": False, "grade5_ae": False}


@pytest.fixture
def death(run):
    return lambda data=None, context=None: run("death", DEATH, DEATH_CONTEXT, data=data, context=context)


@pytest.fixture
def eos(run):
    return lambda data=None, context=None: run("end_of_study", EOS, EOS_CONTEXT, data=data, context=context)


def test_a_death_from_a_recorded_fatal_adverse_event_raises_no_finding(death):
    result = death()
    assert result["findings"] == []
    assert result["derived"] == {"DTH_IN_AE_WINDOW": "Y", "DTH_SAE_REQUIRED": "Y"}


@pytest.mark.parametrize("date, expected", [("2025-01-05", None), ("2025-01-04", "hard")])
def test_death_cannot_precede_consent(death, outcome, date, expected):
    assert outcome(death({"DTHDTC": date}, {"grade5_aes": None}), "DTH_AFTER_CONSENT") == expected


@pytest.mark.parametrize("text, expected", [("road accident", None), (None, "hard")])
def test_an_other_cause_of_death_needs_a_description(death, outcome, text, expected):
    result = death({"DTHCAUSE": "OTHER", "DTHCAUSE_OTH": text})
    assert outcome(result, "DTH_CAUSE_OTHER_TEXT") == expected


@pytest.mark.parametrize(
    "cause, aes, expected",
    [
        ("ADVERSE_EVENT", [{"AETERM": "Sepsis"}], None),
        ("ADVERSE_EVENT", [], "soft"),
        ("ADVERSE_EVENT", [{"AETERM": "Disease progression"}], "soft"),
        ("DISEASE_PROGRESSION", [{"AETERM": "Disease progression"}], None),
        ("DISEASE_PROGRESSION", [], "soft"),
        ("OTHER", [{"AETERM": "Death NOS"}], None),
        ("OTHER", [], "soft"),
        ("ADVERSE_EVENT", None, None),
    ],
)
def test_a_death_is_recorded_as_a_grade_5_adverse_event_matching_its_cause(death, outcome, cause, aes, expected):
    result = death({"DTHCAUSE": cause, "DTHCAUSE_OTH": "x" if cause == "OTHER" else None}, {"grade5_aes": aes})
    assert outcome(result, "DTH_GRADE5_AE") == expected


def test_death_and_grade_5_event_dates_must_agree(death, outcome):
    assert outcome(death({"DTHDTC": "2025-05-02"}), "DTH_DATE_MATCHES_AE") == "soft"


@pytest.mark.parametrize(
    "date, cause, in_window, sae",
    [("2025-05-10", "ADVERSE_EVENT", "Y", "Y"), ("2025-05-11", "ADVERSE_EVENT", "N", "N"),
     ("2025-05-01", "DISEASE_PROGRESSION", "Y", "N")],
)
def test_a_death_within_30_days_of_the_last_infusion_is_an_sae_unless_from_progression(
        death, date, cause, in_window, sae):
    derived = death({"DTHDTC": date, "DTHCAUSE": cause}, {"grade5_aes": None})["derived"]
    assert (derived["DTH_IN_AE_WINDOW"], derived["DTH_SAE_REQUIRED"]) == (in_window, sae)


def test_a_completed_subject_raises_no_finding_and_becomes_completed(eos):
    result = eos()
    assert result["findings"] == []
    assert result["derived"] == {"SUBJECT_STATUS": "completed", "ENTRY_CLOSED": "ALL"}


@pytest.mark.parametrize("recorded, expected", [(True, None), (False, "hard"), (None, "hard")])
def test_death_as_the_reason_requires_the_death_form(eos, outcome, recorded, expected):
    result = eos({"EOS_REASON": "DIED", "EOS_DT": "2025-05-01"}, {"death_recorded": recorded})
    assert outcome(result, "EOS_DIED_DEATH_FORM") == expected


@pytest.mark.parametrize(
    "grade5, reason, expected",
    [(True, "DIED", None), (True, "COMPLETED", "hard"), ([{"AETERM": "Sepsis"}], "WITHDRAWN", "hard"),
     ([], "COMPLETED", None), (False, "COMPLETED", None)],
)
def test_a_grade_5_adverse_event_means_the_subject_died(eos, outcome, grade5, reason, expected):
    result = eos({"EOS_REASON": reason, "WITHDRAWAL_SCOPE": "ALL" if reason == "WITHDRAWN" else None},
                 {"grade5_ae": grade5, "death_recorded": True})
    assert outcome(result, "EOS_GRADE5_DIED") == expected


@pytest.mark.parametrize(
    "reason, scope, expected, status, closed",
    [
        ("WITHDRAWN", "TREATMENT_ONLY", None, "withdrawn", "TREATMENT"),
        ("WITHDRAWN", "ALL", None, "withdrawn", "ALL"),
        ("WITHDRAWN", None, "hard", "withdrawn", "ALL"),
        ("COMPLETED", "ALL", "hard", "completed", "ALL"),
        ("LOST_TO_FOLLOW_UP", None, None, "withdrawn", "ALL"),
    ],
)
def test_withdrawal_needs_its_scope_which_decides_what_entry_closes(eos, outcome, reason, scope, expected, status,
                                                                    closed):
    result = eos({"EOS_REASON": reason, "WITHDRAWAL_SCOPE": scope, "EOS_REASON_TXT": "family decision"})
    assert outcome(result, "EOS_WITHDRAWAL_SCOPE") == expected
    assert (result["derived"]["SUBJECT_STATUS"], result["derived"]["ENTRY_CLOSED"]) == (status, closed)


@pytest.mark.parametrize("text, expected", [("moved abroad", None), (None, "soft")])
def test_withdrawal_details_are_asked_for(eos, outcome, text, expected):
    result = eos({"EOS_REASON": "WITHDRAWN", "WITHDRAWAL_SCOPE": "ALL", "EOS_REASON_TXT": text})
    assert outcome(result, "EOS_REASON_DETAILS") == expected


@pytest.mark.parametrize("eos_date, expected", [("2025-05-01", None), ("2025-05-03", "soft")])
def test_the_end_of_study_date_of_a_subject_who_died_is_the_date_of_death(eos, outcome, eos_date, expected):
    result = eos({"EOS_REASON": "DIED", "EOS_DT": eos_date}, {"death_recorded": True, "death_date": "2025-05-01"})
    assert outcome(result, "EOS_DEATH_DATE") == expected


@pytest.mark.parametrize("date, expected", [("2025-01-05", None), ("2025-01-04", "hard")])
def test_the_end_of_study_cannot_precede_consent(eos, outcome, date, expected):
    assert outcome(eos({"EOS_DT": date}), "EOS_AFTER_CONSENT") == expected
