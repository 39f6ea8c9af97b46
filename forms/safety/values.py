"""Reading context facts that may arrive as JSON strings, numbers or Python objects."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

_TRUE = {"y", "yes", "true", "1"}
_FALSE = {"n", "no", "false", "0", ""}


def as_bool(value: Any) -> bool | None:
    """True/False from a bool, 1/0 or "Y"/"N"/"true"/"false"; ``None`` when absent or unreadable."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def as_decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


def as_int(value: Any) -> int | None:
    number = as_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def as_datetime(value: Any) -> datetime | None:
    """A datetime from a datetime, a date (midnight) or an ISO string; ``None`` when unreadable."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    try:
        return datetime.fromisoformat(str(value).strip().replace(" ", "T"))
    except ValueError:
        return None


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    moment = as_datetime(value)
    return moment.date() if moment else None


def hours_between(start: datetime, end: datetime) -> Decimal:
    """Signed hours from ``start`` to ``end`` as an exact Decimal."""
    return Decimal((end - start).total_seconds()) / Decimal(3600)
