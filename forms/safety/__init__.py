"""Pure safety rules shared by the treatment and safety forms and by the app's dashboards.

SAE and SUSAR clocks, dose-limiting toxicity derivation, and the protocol deviations the checks detect.
"""
from __future__ import annotations

from .clocks import sae_clock, sae_report_late, susar_due
from .deviations import Deviation, infusion_deviations, sae_deviations
from .dlt import AeFacts, dlt_categories
from .refusals import INFUSABLE_STATUSES, infusion_refusals

__all__ = [
    "AeFacts",
    "Deviation",
    "INFUSABLE_STATUSES",
    "dlt_categories",
    "infusion_deviations",
    "infusion_refusals",
    "sae_clock",
    "sae_deviations",
    "sae_report_late",
    "susar_due",
]
