"""Pure safety helpers: the SAE clock, SUSAR due dates and the DLT categories under other configurations."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from config.protocol import REGISTRY
from forms.safety import AeFacts, dlt_categories, sae_clock, susar_due

AWARE = datetime(2025, 3, 15, 12, 0)


@pytest.mark.parametrize(
    "now, hours_left, alert, overdue",
    [
        (datetime(2025, 3, 15, 12, 0), 24.0, False, False),
        (datetime(2025, 3, 16, 7, 59), 4.0, False, False),
        (datetime(2025, 3, 16, 8, 0), 4.0, True, False),
        (datetime(2025, 3, 16, 12, 0), 0.0, True, False),
        (datetime(2025, 3, 16, 13, 30), -1.5, False, True),
    ],
)
def test_the_sae_clock_runs_24_hours_from_awareness_with_an_alert_from_20(now, hours_left, alert, overdue):
    clock = sae_clock(AWARE, now, REGISTRY)
    assert clock["due"] == datetime(2025, 3, 16, 12, 0)
    assert (clock["hours_left"], clock["alert"], clock["overdue"]) == (hours_left, alert, overdue)


@pytest.mark.parametrize("sent, late", [(datetime(2025, 3, 16, 12, 0), False), (datetime(2025, 3, 16, 12, 1), True)])
def test_a_sent_report_stops_the_clock_and_says_whether_it_was_late(sent, late):
    clock = sae_clock(AWARE, datetime(2025, 3, 20), REGISTRY, sent=sent)
    assert (clock["late"], clock["overdue"], clock["alert"], clock["hours_left"]) == (late, False, False, None)


@pytest.mark.parametrize(
    "fatal, initial, complete",
    [(True, date(2025, 3, 22), date(2025, 3, 30)), (False, date(2025, 3, 30), None)],
)
def test_susar_due_dates_count_calendar_days_from_sponsor_awareness(fatal, initial, complete):
    assert susar_due(AWARE, fatal, REGISTRY) == {"initial_due": initial, "complete_due": complete}


def facts(**changes) -> AeFacts:
    base = dict(term="Infusion related reaction", grade=3, rel_nk=4, rel_chemo=None, onset=date(2025, 3, 10),
                end=date(2025, 3, 11), infusion_date=date(2025, 3, 10))
    return AeFacts(**{**base, **changes})


@pytest.mark.parametrize(
    "counts, end, expected",
    [(True, date(2025, 3, 11), [2]), (False, date(2025, 3, 11), []), (False, date(2025, 3, 12), [2])],
)
def test_a_brief_grade_3_infusion_reaction_counts_only_when_configured(counts, end, expected):
    params = REGISTRY.with_overrides({"dlt_irr_grade3_counts": counts})
    assert dlt_categories(facts(end=end), params) == expected


@pytest.mark.parametrize("astct, expected", [(2, []), (3, [3])])
def test_crs_dlt_can_follow_the_astct_grade(astct, expected):
    params = REGISTRY.with_overrides({"dlt_crs_grade_source": "ASTCT"})
    assert dlt_categories(facts(term="Cytokine release syndrome", grade=4, crs_astct_grade=astct), params) == expected


def test_a_category_switched_off_is_never_reported():
    params = REGISTRY.with_overrides({"dlt_categories": [1, 3, 4, 5, 6]})
    assert dlt_categories(facts(grade=4), params) == []


def test_without_a_preceding_infusion_there_is_no_dlt():
    assert dlt_categories(facts(infusion_date=None, grade=5), REGISTRY) == []
