"""Lenient coercion of assessment values that may be typed (``Decimal``, ``int``, ``date``) or raw strings.

Saved assessments reach the response rules typed, harness contexts arrive as JSON strings or numbers; the rules
must read both the same way.  An unreadable value is treated as missing (``None``): the rules then call the
component not evaluable rather than guess.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def to_int(value: Any) -> int | None:
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def to_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def to_code(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().upper()
    return text or None


def to_flag(value: Any) -> bool | None:
    """``Y``/``N`` (or a bool) as ``True``/``False``; anything else is unknown."""
    if isinstance(value, bool):
        return value
    return {"Y": True, "N": False}.get(to_code(value) or "")
