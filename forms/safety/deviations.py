"""Protocol deviations the edit checks detect; the app turns each into a deviation record."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from config.protocol import REGISTRY, Parameters

from .clocks import sae_report_late
from .values import hours_between

ParamSource = Parameters | Mapping[str, Any]

INFUSION_WINDOW = "INFUSION_WINDOW"
DOSE = "DOSE"
PRODUCT_HANDLING = "PRODUCT_HANDLING"
SAE_REPORTING = "SAE_REPORTING"


@dataclass(frozen=True)
class Deviation:
    category: str
    description: str
    occurred_on: date | None

    def as_dict(self) -> dict[str, Any]:
        return {"category": self.category, "description": self.description, "occurred_on": self.occurred_on}


def infusion_deviations(
    inf_no: int | None,
    inf_dt: date | None,
    days_after_chemo: int | None,
    dose_dev_pct: Decimal | None,
    thaw_to_start_min: Decimal | None,
    params: ParamSource | None = None,
) -> list[Deviation]:
    """Breaches of the administration rules that still allow the infusion to be recorded."""
    params = params or REGISTRY
    label = f"NK infusion {inf_no}" if inf_no is not None else "NK infusion"
    found: list[Deviation] = []
    low, high = params["infusion_window_min_days"], params["infusion_window_max_days"]
    if days_after_chemo is not None and not low <= days_after_chemo <= high:
        found.append(Deviation(INFUSION_WINDOW, f"{label} given {days_after_chemo} days after the end of the "
                               f"chemotherapy course (protocol window {low}-{high} days).", inf_dt))
    tolerance = Decimal(str(params["nk_dose_tolerance_soft_pct"]))
    if dose_dev_pct is not None and abs(dose_dev_pct) > tolerance:
        found.append(Deviation(DOSE, f"{label}: dose {dose_dev_pct:+.1f} % from the planned dose "
                               f"(tolerance +/-{tolerance} %).", inf_dt))
    limit = params["thaw_to_start_max_min"]
    if thaw_to_start_min is not None and thaw_to_start_min > limit:
        found.append(Deviation(PRODUCT_HANDLING, f"{label} started {thaw_to_start_min:.0f} minutes after thawing "
                               f"(limit {limit} minutes).", inf_dt))
    return found


def sae_deviations(
    aware: datetime | None, sent: datetime | None, term: str | None, params: ParamSource | None = None
) -> list[Deviation]:
    """A site SAE report sent after the reporting limit."""
    params = params or REGISTRY
    if aware is None or sent is None or not sae_report_late(aware, sent, params):
        return []
    hours = hours_between(aware, sent)
    event = f"SAE ({term})" if term else "SAE"
    return [Deviation(SAE_REPORTING, f"{event} reported {hours:.1f} h after site awareness "
                      f"(limit {params['sae_report_hours']} h).", sent.date())]
