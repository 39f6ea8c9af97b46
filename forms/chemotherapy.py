"""eCRF: chemotherapy courses (both arms; repeating, one record per course).

Context ``courses``: the subject's other courses, each ``{CHEMO_NO, CHEMO_STDT, CHEMO_ENDT}``.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from .core import Check, CheckContext, Field, FormDef
from .safety.values import as_date, as_int

CLAUSE = "registry arm description (conventional chemotherapy courses); issue 6"


def _other_courses(ctx: CheckContext) -> list[tuple[int | None, date | None, date | None]]:
    courses = ctx.context.get("courses") or []
    return [(as_int(c.get("CHEMO_NO")), as_date(c.get("CHEMO_STDT")), as_date(c.get("CHEMO_ENDT")))
            for c in courses if isinstance(c, dict)]


def _end_after_start(ctx: CheckContext) -> bool:
    return ctx.get("CHEMO_ENDT") >= ctx.get("CHEMO_STDT")


def _no_overlap(ctx: CheckContext) -> str | None:
    start = ctx.get("CHEMO_STDT")
    end = ctx.get("CHEMO_ENDT") or start
    for number, other_start, other_end in _other_courses(ctx):
        if other_start is None:
            continue
        other_end = other_end or other_start
        if start <= other_end and other_start <= end:
            return (f"This course ({start:%Y-%m-%d} to {end:%Y-%m-%d}) overlaps course {number} "
                    f"({other_start:%Y-%m-%d} to {other_end:%Y-%m-%d}): check the dates.")
    return None


def _numbered_in_order(ctx: CheckContext) -> str | None:
    number = ctx.get("CHEMO_NO")
    others = [c for c in _other_courses(ctx) if c[0] is not None]
    taken = [c[0] for c in others]
    if number in taken:
        return f"Course {number} is already recorded for this subject."
    numbers = sorted(taken + [number])
    expected = list(range(1, len(numbers) + 1))
    if numbers != expected:
        missing = sorted(set(expected) - set(numbers))
        return (f"Courses are numbered 1, 2, 3 ... without gaps: course {number} would leave "
                f"course {', '.join(map(str, missing))} missing.")
    start = ctx.get("CHEMO_STDT")
    if start is not None:
        for other_no, other_start, _ in others:
            if other_start is None:
                continue
            if (other_no < number and other_start > start) or (other_no > number and other_start < start):
                return (f"Course {number} starts {start:%Y-%m-%d}, out of order with course {other_no} "
                        f"(starts {other_start:%Y-%m-%d}): courses are numbered in date order.")
    return None


FIELDS = (
    Field("CHEMO_NO", "Chemotherapy course number", "integer", CLAUSE, min=1, max=99),
    Field("REGIMEN", "Regimen", "text", CLAUSE, help="Drugs and schedule of this course, as in the protocol.",
          max_length=200),
    Field("CHEMO_STDT", "First day of the course", "date", CLAUSE),
    Field("CHEMO_ENDT", "Last day of the course", "date", CLAUSE,
          help="Last day a chemotherapy drug of this course was given (the NK infusion window counts from it)."),
)

CHECKS = (
    Check("CHEMO_END_AFTER_START", "hard", ("CHEMO_STDT", "CHEMO_ENDT"), "CHEMO_ENDT >= CHEMO_STDT",
          "The last day of the course cannot be before its first day.", CLAUSE, _end_after_start,
          needs=("CHEMO_STDT", "CHEMO_ENDT")),
    Check("CHEMO_NO_OVERLAP", "hard", ("CHEMO_STDT", "CHEMO_ENDT"),
          "[CHEMO_STDT, CHEMO_ENDT] does not intersect any other course of the subject (days inclusive)",
          "This course overlaps another course of the subject.", CLAUSE, _no_overlap, needs=("CHEMO_STDT",)),
    Check("CHEMO_NUMBERING", "hard", ("CHEMO_NO", "CHEMO_STDT"),
          "course numbers 1..n without gaps or repeats, in the order of their start dates",
          "Courses are numbered in order without gaps.", CLAUSE, _numbered_in_order, needs=("CHEMO_NO",)),
)


def _derive(values: dict[str, Any], context: Any, params: Any) -> dict[str, Any]:
    start, end = values.get("CHEMO_STDT"), values.get("CHEMO_ENDT")
    return {"CHEMO_DAYS": (end - start).days + 1 if start and end and end >= start else None}


FORMS = (
    FormDef("chemotherapy", 1, "Chemotherapy course", FIELDS, CHECKS, derive=_derive, repeating=True,
            clause=CLAUSE, description="One record per conventional chemotherapy course, in both arms."),
)
