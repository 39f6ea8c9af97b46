"""Exclusions E9 (systemic steroids, reading P11) and E10 (CYP3A4, reading P12) from the medication log.

Enrolment is 2025-01-15 and the child weighs 20 kg, so 10 mg prednisone a day is exactly 0.5 mg/kg/day.
"""
from __future__ import annotations

import pytest


def med(name, dose, start, end=None, route="ORAL"):
    return {"CMTRT": name, "CMDOSE_MG_DAY": dose, "CMROUTE": route, "CMSTDTC": start, "CMENDTC": end}


STEROID_ROWS = [
    ("prednisone at the limit on the 7 days before enrolment", [med("Prednisone", "10", "2025-01-08", "2025-01-14")], True),
    ("prednisone at the limit on only 6 days before enrolment", [med("Prednisone", "10", "2025-01-09", "2025-01-14")], False),
    ("prednisone just below the limit for 7 days", [med("Prednisone", "9.9", "2025-01-08", "2025-01-14")], False),
    ("dexamethasone 1.5 mg (10 mg prednisone-equivalent) for 7 days",
     [med("Dexamethasone", "1.5", "2025-01-08", "2025-01-14", "IV")], True),
    ("dexamethasone 1.49 mg for 7 days", [med("Dexamethasone", "1.49", "2025-01-08", "2025-01-14")], False),
    ("methylprednisolone 8 mg intramuscular for 7 days",
     [med("Methylprednisolone sodium succinate", "8", "2025-01-08", "2025-01-14", "IM")], True),
    ("two steroids that only together reach the limit",
     [med("Prednisone", "5", "2025-01-08", "2025-01-14"), med("Methylprednisolone", "4", "2025-01-08", "2025-01-14")],
     True),
    ("an ongoing course started 7 days before and including enrolment", [med("Prednisolone", "12", "2025-01-09")], True),
    ("an ongoing course started 5 days before enrolment", [med("Prednisolone", "12", "2025-01-10")], False),
    ("a 7-day course that ended 7 days before enrolment", [med("Prednisone", "20", "2025-01-02", "2025-01-08")], True),
    ("a long course that ended 8 days before enrolment", [med("Prednisone", "20", "2024-12-01", "2025-01-07")], False),
    ("a course interrupted for one day", [med("Prednisone", "20", "2025-01-05", "2025-01-09"),
                                          med("Prednisone", "20", "2025-01-11", "2025-01-15")], False),
    ("dexamethasone eye drops", [med("Dexamethasone", "30", "2025-01-01", None, "OPHTHALMIC")], False),
    ("inhaled steroid", [med("Dexamethasone", "30", "2025-01-01", None, "INHALED")], False),
    ("hydrocortisone at physiologic dose", [med("Hydrocortisone", "10", "2024-10-01")], False),
    ("high-dose hydrocortisone", [med("Hydrocortisone", "40", "2024-12-01")], True),
    ("a steroid started after enrolment", [med("Prednisone", "40", "2025-01-16")], False),
]


@pytest.mark.parametrize("conmeds, excluded", [pytest.param(m, e, id=n) for n, m, e in STEROID_ROWS])
def test_steroid_exclusion(screen, conmeds, excluded):
    result = screen(context={"conmeds": conmeds})
    if excluded:
        finding = result.finding("E9")
        assert finding["severity"] == "hard" and finding["clause"] == "E9" and "P11" in finding["message"]
        assert result.failed == ["E9"]
    else:
        assert "E9" not in result.checks()
        assert result.failed == []


def test_the_steroid_exposure_is_derived(screen):
    derived = screen(context={"conmeds": [med("Prednisone", "10", "2025-01-08", "2025-01-14")]}).derived
    assert derived["PRED_EQ_MGKG"] == 0.5
    assert derived["STEROID_RUN_DAYS"] == 7


def test_the_steroid_message_names_the_drug_and_the_days(screen):
    message = screen(context={"conmeds": [med("Prednisone", "10", "2025-01-08", "2025-01-14")]}).finding("E9")["message"]
    assert "Prednisone" in message and "2025-01-08" in message and "2025-01-14" in message and "7 days" in message


@pytest.mark.parametrize("data, conmeds, context, missing", [
    pytest.param({"WEIGHT_KG": None}, [med("Prednisone", "10", "2025-01-08")], {}, "WEIGHT_KG", id="no weight"),
    pytest.param({}, [med("Prednisone", None, "2025-01-08")], {}, "Prednisone", id="no dose"),
    pytest.param({}, [med("Prednisone", "10", "2025-01-08", None, None)], {}, "route", id="no route"),
    pytest.param({}, [med("Prednisone", "10", "2025-01-08", "last week")], {}, "Prednisone", id="unreadable end"),
    pytest.param({}, [med("Prednisone", "10", "2025-01-08")], {"ENRLDT": None}, "enrolment", id="no enrolment date"),
])
def test_a_steroid_record_that_cannot_be_placed_leaves_e9_unassessed(screen, data, conmeds, context, missing):
    result = screen(data, {"conmeds": conmeds, **context})
    assert result.failed == ["E9"]
    assert missing in result.finding("E9.INCOMPLETE")["message"]


def test_without_steroids_a_missing_weight_does_not_block_e9(screen):
    assert screen({"WEIGHT_KG": None}, {"conmeds": []}).failed == []


def test_physiologic_hydrocortisone_raises_a_query(screen):
    result = screen(context={"conmeds": [med("Hydrocortisone", "10", "2024-10-01")]})
    finding = result.finding("E9b")
    assert finding["severity"] == "soft" and "Hydrocortisone" in finding["message"]


CYP_ROWS = [
    ("voriconazole stopped 7 days before enrolment", [med("Voriconazole", "200", "2024-12-01", "2025-01-08")], True),
    ("voriconazole stopped 8 days before enrolment", [med("Voriconazole", "200", "2024-12-01", "2025-01-07")], False),
    ("ongoing posaconazole", [med("Posaconazole", "300", "2024-12-01")], True),
    ("ongoing rifampin under its US name", [med("Rifampin", "300", "2024-12-01")], True),
    ("ongoing rifampicin", [med("RIFAMPICIN", "300", "2024-12-01")], True),
    ("boosted lopinavir", [med("Lopinavir/ritonavir", "400", "2024-12-01")], True),
    ("St John's wort", [med("St. John's Wort extract", "300", "2025-01-01", "2025-01-10")], True),
    ("carbamazepine as an inducer", [med("Carbamazepine", "200", "2024-06-01")], True),
    ("ketoconazole cream", [med("Ketoconazole", "10", "2024-12-01", None, "TOPICAL")], False),
    ("a moderate inhibitor", [med("Fluconazole", "100", "2024-12-01")], False),
    ("a strong inhibitor started after enrolment", [med("Voriconazole", "200", "2025-01-20")], False),
    ("an unrelated drug", [med("Ondansetron", "8", "2025-01-01")], False),
]


@pytest.mark.parametrize("conmeds, excluded", [pytest.param(m, e, id=n) for n, m, e in CYP_ROWS])
def test_cyp3a4_exclusion(screen, conmeds, excluded):
    result = screen(context={"conmeds": conmeds})
    if excluded:
        finding = result.finding("E10")
        assert finding["severity"] == "hard" and finding["clause"] == "E10" and "P12" in finding["message"]
        assert result.failed == ["E10"]
    else:
        assert "E10" not in result.checks()
        assert result.failed == []


def test_a_moderate_cyp3a4_inhibitor_raises_a_query_only(screen):
    result = screen(context={"conmeds": [med("Fluconazole", "100", "2024-12-01")]})
    assert result.finding("E10b")["severity"] == "soft"
    assert result.eligible


def test_a_stopped_strong_inhibitor_without_enrolment_date_leaves_e10_unassessed(screen):
    result = screen(context={"ENRLDT": None, "conmeds": [med("Voriconazole", "200", "2024-12-01", "2025-01-07")]})
    assert result.failed == ["E10"]
    assert result.finding("E10.INCOMPLETE")["severity"] == "soft"


def test_context_numbers_may_arrive_as_json_numbers(screen):
    conmeds = [{"CMTRT": "Prednisone", "CMDOSE_MG_DAY": 10, "CMROUTE": "ORAL", "CMSTDTC": "2025-01-08",
                "CMENDTC": "2025-01-14"}]
    assert screen(context={"conmeds": conmeds}).failed == ["E9"]


def test_enzyme_inducing_anticonvulsant_raises_the_e4b_query(screen):
    result = screen({"SEIZ_HX": "Y", "SEIZ_CONTROLLED": "Y", "AED_LIST": "Carbamazepine 200 mg twice daily"})
    finding = result.finding("E4b")
    assert finding["severity"] == "soft" and "E10" in finding["message"] and "carbamazepine" in finding["message"]
    assert result.eligible
