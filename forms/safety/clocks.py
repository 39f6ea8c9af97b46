"""SAE and SUSAR reporting clocks (spec 3.2)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Mapping

from config.protocol import REGISTRY, Parameters

from .values import hours_between

ParamSource = Parameters | Mapping[str, Any]


def sae_report_late(aware: datetime, sent: datetime, params: ParamSource | None = None) -> bool:
    """Whether the site's initial SAE report left after the reporting limit (strictly more than ``sae_report_hours``)."""
    params = params or REGISTRY
    return sent - aware > timedelta(hours=params["sae_report_hours"])


def sae_clock(
    aware: datetime, now: datetime, params: ParamSource | None = None, sent: datetime | None = None
) -> dict[str, Any]:
    """The site-to-sponsor SAE clock, started at site awareness.

    ``alert`` is the warning band (from the alert hour up to the deadline); ``overdue`` means the deadline has
    passed without a report.  Once ``sent`` is known the clock stops and ``late`` says whether it was late.
    """
    params = params or REGISTRY
    due = aware + timedelta(hours=params["sae_report_hours"])
    if sent is not None:
        return {"due": due, "hours_left": None, "overdue": False, "alert": False,
                "late": sae_report_late(aware, sent, params)}
    alert_from = aware + timedelta(hours=params["sae_alert_hours"])
    return {
        "due": due,
        "hours_left": round(float(hours_between(now, due)), 1),
        "overdue": now > due,
        "alert": alert_from <= now <= due,
        "late": None,
    }


def susar_due(
    clock_start: date | datetime, fatal_or_life_threatening: bool, params: ParamSource | None = None
) -> dict[str, date | None]:
    """Sponsor-to-regulator due dates of a SUSAR, in calendar days from sponsor awareness (day 0).

    Fatal or life-threatening: initial report by day 7, complete report by day 15.  Others: by day 15.
    """
    params = params or REGISTRY
    start = clock_start.date() if isinstance(clock_start, datetime) else clock_start
    if fatal_or_life_threatening:
        return {
            "initial_due": start + timedelta(days=params["susar_fatal_initial_days"]),
            "complete_due": start + timedelta(days=params["susar_fatal_complete_days"]),
        }
    return {"initial_due": start + timedelta(days=params["susar_other_days"]), "complete_due": None}
