"""The pure helpers behind the screening checks."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from config.protocol import REGISTRY
from forms.eligibility.dates import completed_years
from forms.eligibility.drugs import matches
from forms.eligibility.renal import bedside_schwartz, creatinine_maximum
from forms.eligibility.verdict import MET, all_met, any_met, fails, unknown


@pytest.mark.parametrize("birth, on, years", [
    (date(2015, 6, 15), date(2025, 6, 14), 9),
    (date(2015, 6, 15), date(2025, 6, 15), 10),
    (date(2016, 2, 29), date(2023, 2, 28), 6),
    (date(2016, 2, 29), date(2023, 3, 1), 7),
    (date(2016, 2, 29), date(2024, 2, 28), 7),
    (date(2016, 2, 29), date(2024, 2, 29), 8),
    (date(2016, 12, 31), date(2017, 1, 1), 0),
])
def test_completed_years(birth, on, years):
    assert completed_years(birth, on) == years


@pytest.mark.parametrize("name, listed, found", [
    ("Methylprednisolone sodium succinate", ["prednisolone", "methylprednisolone"], ["methylprednisolone"]),
    ("Prednisolone", ["prednisone", "prednisolone"], ["prednisolone"]),
    ("RIFAMPIN", ["rifampicin"], ["rifampicin"]),
    ("Lopinavir/Ritonavir", ["ritonavir"], ["ritonavir"]),
    ("St John's wort", ["st john's wort"], ["st john's wort"]),
    ("Hypericum perforatum", ["st john's wort"], ["st john's wort"]),
    ("Solu-Medrol", ["methylprednisolone"], ["methylprednisolone"]),
    ("Fluconazole", ["itraconazole", "voriconazole"], []),
])
def test_drug_names_match_whole_words_and_synonyms(name, listed, found):
    assert matches(name, listed) == found


TABLE = REGISTRY["creat_max_table"]


@pytest.mark.parametrize("age, sex, maximum", [
    (0, "M", None), (1, "F", "0.6"), (2, "M", "0.8"), (5, "F", "0.8"), (6, "M", "1.0"), (9, "F", "1.0"),
    (10, "M", "1.2"), (12, "F", "1.2"), (13, "M", "1.5"), (13, "F", "1.4"), (15, "M", "1.5"), (16, "M", "1.7"),
    (16, "F", "1.4"), (17, "M", "1.7"),
])
def test_creatinine_maximum_follows_the_cog_table(age, sex, maximum):
    expected = None if maximum is None else Decimal(maximum)
    assert creatinine_maximum(TABLE, age, sex) == expected


def test_bedside_schwartz():
    assert bedside_schwartz(Decimal("0.413"), Decimal("120"), Decimal("0.5")) == Decimal("99.12")
    assert bedside_schwartz(Decimal("0.413"), Decimal("120"), Decimal("0")) is None


def test_three_valued_logic():
    assert all_met([MET, fails("x")]).failed
    assert all_met([MET, unknown("A")]).missing == ("A",)
    assert all_met([unknown("A"), fails("x")]).reason == "x"
    assert any_met([fails("x"), MET], "no").met is True
    assert any_met([fails("x"), unknown("B")], "no").missing == ("B",)
    assert any_met([fails("x"), fails("y")], "no").reason == "no"
