"""Age at the consent date and when assent is due (spec 1.2 algorithm, 6.2 ASSENT_REQ)."""
from __future__ import annotations

from datetime import date

import pytest

from edc.services.consent_state import age_on, assent_due


@pytest.mark.parametrize("birth, day, age", [
    (date(2019, 5, 10), date(2026, 5, 10), 7),
    (date(2019, 5, 10), date(2026, 5, 9), 6),
    (date(2019, 5, 10), date(2026, 5, 11), 7),
    (date(2016, 2, 29), date(2023, 2, 28), 6),   # 29 February: the birthday falls on 1 March in common years
    (date(2016, 2, 29), date(2023, 3, 1), 7),
    (date(2016, 2, 29), date(2024, 2, 29), 8),
])
def test_age_is_in_completed_years(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize("day, due", [
    (date(2026, 5, 9), False),   # the day before the 7th birthday
    (date(2026, 5, 10), True),   # the 7th birthday itself
    (date(2030, 1, 1), True),
])
def test_assent_is_due_from_the_assent_birthday(day, due):
    assert assent_due(date(2019, 5, 10), day, 7) is due


def test_the_assent_age_is_a_protocol_parameter_of_seven_years():
    from config.protocol import REGISTRY

    assert REGISTRY["assent_min_age_years"] == 7
    assert REGISTRY["guardians_required"] == 1
    assert REGISTRY.describe("assent_min_age_years").assumption is True
