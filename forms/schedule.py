"""The study schedule: which events a subject passes through and which forms belong to each.

Declared once here; the casebook grid, the entry gates and the exports all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["screening", "treatment", "follow_up", "any"]


@dataclass(frozen=True)
class EventDef:
    key: str
    label: str
    forms: tuple[str, ...]
    phase: Phase
    repeating: bool = False
    max_repeats: int | None = None
    arm: str | None = None
    """Only for subjects of this arm (``NK``); ``None`` for both arms."""
    clause: str = ""

    def title(self, repeat: int) -> str:
        return f"{self.label} {repeat}" if self.repeating else self.label


EVENTS: tuple[EventDef, ...] = (
    EventDef("screening", "Screening", ("screening", "baseline_conditions", "tumour_assessment"), "screening",
             clause="spec 1 eligibility; baseline assessment per spec 4"),
    EventDef("chemo", "Chemotherapy course", ("chemotherapy",), "treatment", repeating=True,
             clause="registry: conventional treatment in both arms"),
    EventDef("infusion", "NK-cell infusion", ("nk_product", "infusion"), "treatment", repeating=True,
             max_repeats=5, arm="NK", clause="registry: 3 infusions + up to 2; spec 7"),
    EventDef("response", "Response assessment", ("tumour_assessment",), "treatment", repeating=True,
             clause="spec 4 INRC 2017"),
    EventDef("follow_up", "Follow-up", ("tumour_assessment",), "follow_up", repeating=True,
             clause="registry: follow-up"),
    EventDef("end_of_study", "End of study", ("end_of_study", "death"), "any", clause="spec 3.2 deaths"),
    EventDef("unscheduled", "Unscheduled visit", ("tumour_assessment", "chemotherapy"), "treatment", repeating=True),
)

LOGS: tuple[str, ...] = ("adverse_event", "conmeds")
"""Subject-level repeating logs, entered at any time after consent (event key ``logs``)."""

LOG_EVENT = EventDef("logs", "Logs", LOGS, "any")

SDV_REQUIRED_DEFAULT = 100
SDV_REQUIREMENT: dict[str, int] = {}
"""Percent of fields needing SDV per form key; every form defaults to 100 % (monitoring plan)."""


def event(key: str) -> EventDef:
    if key == LOG_EVENT.key:
        return LOG_EVENT
    for candidate in EVENTS:
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def all_events() -> tuple[EventDef, ...]:
    return EVENTS + (LOG_EVENT,)


def belongs(event_key: str, form_key: str) -> bool:
    try:
        return form_key in event(event_key).forms
    except KeyError:
        return False
