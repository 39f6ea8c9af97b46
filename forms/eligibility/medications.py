"""Exposure to corticosteroids (exclusion E9) and CYP3A4 modulators (E10) from the medication log.

The log arrives as the harness context ``conmeds``: a list of ``{CMTRT, CMDOSE_MG_DAY, CMROUTE, CMSTDTC,
CMENDTC}`` with ``CMENDTC`` null while ongoing.  Start and end dates are both days of administration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Iterable, Mapping, Sequence

from .dates import Unreadable, as_decimal, context_date, context_decimal, context_flag
from .drugs import matches


@dataclass(frozen=True)
class MedicationRecord:
    number: int
    name: str
    dose_mg_day: Decimal | None
    route: str | None
    start: date | None
    end: date | None
    ongoing: bool
    problems: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.name or 'unnamed medication'} (medication record {self.number})"


def log_is_unreadable(raw: Any) -> bool:
    """A context log that is present but not a list of objects (nothing in it can be trusted)."""
    if raw is None:
        return False
    return not isinstance(raw, (list, tuple)) or any(not isinstance(item, Mapping) for item in raw)


def read_conmeds(raw: Any) -> list[MedicationRecord]:
    """Read the context's medication list leniently; unreadable values become ``problems`` of the record."""
    if not isinstance(raw, (list, tuple)):
        return []
    records = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            records.append(MedicationRecord(number, "", None, None, None, None, False, ("record is not an object",)))
            continue
        problems: list[str] = []

        def read(reader, key: str) -> Any:
            try:
                return reader(item.get(key))
            except Unreadable:
                problems.append(f"{key} '{item.get(key)}' unreadable")
                return None

        dose = read(context_decimal, "CMDOSE_MG_DAY")
        start = read(context_date, "CMSTDTC")
        end = read(context_date, "CMENDTC")
        ongoing_flag = read(context_flag, "CMONGO")
        end_given = item.get("CMENDTC") not in (None, "")
        if ongoing_flag is False and not end_given:
            problems.append("end date missing although not ongoing")
        route = item.get("CMROUTE")
        records.append(
            MedicationRecord(
                number=number,
                name=str(item.get("CMTRT") or "").strip(),
                dose_mg_day=dose,
                route=str(route).strip().upper() if route not in (None, "") else None,
                start=start,
                end=end,
                ongoing=not end_given and ongoing_flag is not False,
                problems=tuple(problems),
            )
        )
    return records


@dataclass(frozen=True)
class SteroidExposure:
    """Daily prednisone-equivalent mg/kg over the E9 look-back window and whether it excludes."""

    window: tuple[date, date] | None
    daily_mg_per_kg: dict[date, Decimal] = field(default_factory=dict)
    qualifying_run: tuple[date, date] | None = None
    longest_run_days: int = 0
    unresolved: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()

    @property
    def max_daily_mg_per_kg(self) -> Decimal | None:
        return max(self.daily_mg_per_kg.values()) if self.daily_mg_per_kg else None


def _systemic_steroids(
    records: Iterable[MedicationRecord], factors: Mapping[str, Any], routes: Sequence[str]
) -> Iterable[tuple[MedicationRecord, Decimal, bool]]:
    """Yield (record, prednisone factor, route known) for every steroid record not by a local route."""
    systemic = {route.upper() for route in routes}
    for record in records:
        hits = matches(record.name, factors.keys())
        if not hits:
            continue
        factor = max(as_decimal(factors[hit]) for hit in hits)
        if record.route is None:
            yield record, factor, False
        elif record.route in systemic:
            yield record, factor, True


def steroid_exposure(
    records: Sequence[MedicationRecord],
    weight_kg: Decimal | None,
    enrolment: date | None,
    params: Any,
) -> SteroidExposure:
    """Prednisone-equivalent exposure per day and kg before enrolment (spec 1.4, reading P11).

    Excluding means: on each of at least ``steroid_min_days`` consecutive days, the summed daily
    prednisone-equivalent of all systemic steroid records covering that day divided by weight reaches
    ``steroid_pred_eq_mgkgday``, and that run ends on or after enrolment minus ``steroid_recent_days``
    and not after enrolment.
    """
    steroids = list(_systemic_steroids(records, params["steroid_factors"], params["steroid_systemic_routes"]))
    if enrolment is None:
        return SteroidExposure(None, unresolved=("ENRLDT",) if steroids else ())
    min_days = int(params["steroid_min_days"])
    recent = int(params["steroid_recent_days"])
    first = enrolment - timedelta(days=recent + min_days - 1)
    unresolved: list[str] = []
    totals: dict[date, Decimal] = {first + timedelta(days=i): Decimal(0) for i in range((enrolment - first).days + 1)}
    agents = []
    for record, factor, route_known in steroids:
        if (record.start is not None and record.start > enrolment) or (record.end is not None and record.end < first):
            continue
        if not route_known:
            unresolved.append(f"route of {record.label}")
            continue
        if record.problems or record.start is None or record.dose_mg_day is None:
            unresolved.append(record.label)
            continue
        agents.append(record.name)
        last = min(record.end or enrolment, enrolment)
        day = max(record.start, first)
        while day <= last:
            totals[day] += record.dose_mg_day * factor
            day += timedelta(days=1)
    if agents and weight_kg is None:
        return SteroidExposure((first, enrolment), unresolved=tuple(["WEIGHT_KG", *unresolved]), agents=tuple(agents))
    if weight_kg is None or not agents:
        return SteroidExposure((first, enrolment), unresolved=tuple(unresolved), agents=tuple(agents))
    threshold = as_decimal(params["steroid_pred_eq_mgkgday"])
    daily = {day: total / weight_kg for day, total in totals.items()}
    run = longest = 0
    qualifying: tuple[date, date] | None = None
    earliest_end = enrolment - timedelta(days=recent)
    for day in sorted(daily):
        run = run + 1 if daily[day] >= threshold else 0
        longest = max(longest, run)
        if run >= min_days and day >= earliest_end:
            qualifying = (day - timedelta(days=run - 1), day)
    return SteroidExposure(
        (first, enrolment), daily, qualifying, longest, tuple(unresolved), tuple(agents)
    )


def physiologic_steroid_records(
    records: Sequence[MedicationRecord], enrolment: date | None, params: Any
) -> list[MedicationRecord]:
    """Systemic physiologic-replacement steroid records (hydrocortisone) active in the E9 window."""
    names = params["physiologic_steroids"]
    routes = {route.upper() for route in params["steroid_systemic_routes"]}
    window_days = int(params["steroid_recent_days"]) + int(params["steroid_min_days"]) - 1
    found = []
    for record in records:
        if not matches(record.name, names) or (record.route is not None and record.route not in routes):
            continue
        if enrolment is not None:
            if record.start is not None and record.start > enrolment:
                continue
            if record.end is not None and record.end < enrolment - timedelta(days=window_days):
                continue
        found.append(record)
    return found


@dataclass(frozen=True)
class ModulatorExposure:
    record: MedicationRecord
    drug: str


def cyp3a4_exposures(
    records: Sequence[MedicationRecord],
    enrolment: date | None,
    listed: Sequence[str],
    lookback_days: int,
    nonsystemic_routes: Sequence[str],
) -> tuple[list[ModulatorExposure], list[str]]:
    """Records of listed CYP3A4 modulators taken within ``lookback_days`` before enrolment (or ongoing).

    Returns the exposures and the records that could not be placed in time (unreadable dates, or no
    enrolment date for a medication that has ended).
    """
    local = {route.upper() for route in nonsystemic_routes}
    exposed: list[ModulatorExposure] = []
    unresolved: list[str] = []
    for record in records:
        hits = matches(record.name, listed)
        if not hits or (record.route is not None and record.route in local):
            continue
        if record.problems:
            unresolved.append(record.label)
            continue
        if enrolment is not None and record.start is not None and record.start > enrolment:
            continue
        if record.ongoing:
            exposed.append(ModulatorExposure(record, hits[0]))
        elif enrolment is None:
            unresolved.append("ENRLDT")
        elif record.end is not None and record.end >= enrolment - timedelta(days=lookback_days):
            exposed.append(ModulatorExposure(record, hits[0]))
    return exposed, unresolved
