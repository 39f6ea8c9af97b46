"""The response timeline of one subject: tumour measures over time, responses and infusion dates,
drawn as a small server-side SVG (no script, no external library)."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from ..models import Subject
from .records import instances, values_of

SERIES = (
    ("CURIE_TOTAL", "Curie score"),
    ("SUM_MM", "Sum of diameters (mm)"),
    ("BM_PCT", "Marrow infiltration (%)"),
)


@dataclass(frozen=True)
class Point:
    day: date
    values: dict[str, Decimal | None]
    response: str | None
    label: str


def _number(text: str | None) -> Decimal | None:
    try:
        return Decimal(text) if text not in (None, "") else None
    except InvalidOperation:
        return None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def points(session: Session, subject: Subject) -> list[Point]:
    out = []
    for instance in instances(session, subject, "tumour_assessment"):
        values = values_of(instance)
        day = _day(values.get("ASSESS_DT"))
        if day is None:
            continue
        primary, targets = _number(values.get("PRIM_LD_MM")), _number(values.get("MET_TARGET_SOD_MM"))
        total = None if primary is None and targets is None else (primary or 0) + (targets or 0)
        out.append(Point(day, {"CURIE_TOTAL": _number(values.get("CURIE_TOTAL")), "SUM_MM": total,
                               "BM_PCT": _number(values.get("BM_PCT"))},
                         values.get("OVERALL_RESP"), "Baseline" if values.get("ASSESS_TYPE") == "BASELINE" else f"Assessment {values.get('ASSESS_NO') or ''}".strip()))
    return sorted(out, key=lambda p: p.day)


def infusion_days(session: Session, subject: Subject) -> list[tuple[date, str]]:
    days = []
    for instance in instances(session, subject, "infusion"):
        values = values_of(instance)
        day = _day(values.get("INF_DT"))
        if day:
            days.append((day, f"NK {values.get('INF_NO') or instance.event_repeat}"))
    return sorted(days)


def svg(series_points: list[Point], infusions: list[tuple[date, str]], width: int = 720, panel_height: int = 120) -> str:
    """Three stacked panels sharing one time axis; infusions as dashed verticals; responses as labels."""
    days = [p.day for p in series_points] + [d for d, _ in infusions]
    if not days:
        return ""
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    left, right, top_pad = 70, 20, 24

    def x(day: date) -> float:
        return left + (width - left - right) * (day - first).days / span

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="timeline-title" '
             f'viewBox="0 0 {width} {len(SERIES) * (panel_height + top_pad) + 30}" class="timeline">',
             '<title id="timeline-title">Response timeline</title>']
    for index, (key, label) in enumerate(SERIES):
        top = index * (panel_height + top_pad) + top_pad
        values = [p.values[key] for p in series_points if p.values[key] is not None]
        high = max(values, default=Decimal(1)) or Decimal(1)
        parts.append(f'<text x="4" y="{top - 6}" font-size="12" fill="#1a1a1a">{label}</text>')
        parts.append(f'<line x1="{left}" y1="{top + panel_height}" x2="{width - right}" y2="{top + panel_height}" stroke="#777"/>')
        parts.append(f'<text x="{left - 6}" y="{top + 10}" font-size="10" text-anchor="end">{high}</text>')
        parts.append(f'<text x="{left - 6}" y="{top + panel_height}" font-size="10" text-anchor="end">0</text>')
        for day, name in infusions:
            parts.append(f'<line x1="{x(day):.1f}" y1="{top}" x2="{x(day):.1f}" y2="{top + panel_height}" '
                         f'stroke="#3b1f7a" stroke-dasharray="4 3"><title>{escape(name)} {day}</title></line>')
        coords = [(x(p.day), top + panel_height - float(p.values[key]) / float(high) * panel_height, p)
                  for p in series_points if p.values[key] is not None]
        if len(coords) > 1:
            path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy, _ in coords)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#0b4f8a" stroke-width="2"/>')
        for cx, cy, point in coords:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#0b4f8a"><title>{escape(point.label)} {point.day}: '
                         f'{point.values[key]}</title></circle>')
            if index == 0 and point.response:
                parts.append(f'<text x="{cx:.1f}" y="{top + 12}" font-size="11" text-anchor="middle" font-weight="700">{escape(point.response)}</text>')
    axis = len(SERIES) * (panel_height + top_pad) + 16
    parts.append(f'<text x="{left}" y="{axis}" font-size="10">{first}</text>')
    parts.append(f'<text x="{width - right}" y="{axis}" font-size="10" text-anchor="end">{last}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
