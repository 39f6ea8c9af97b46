"""Ages in completed years, and lenient reading of dates and numbers that arrive in the harness context."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


def completed_years(birth: date, on: date) -> int:
    """Completed years of age on ``on`` (spec 1.2).

    A child born on 29 February has a birthday on 1 March in non-leap years: comparing (month, day)
    tuples gives exactly that, because (2, 28) < (2, 29) <= (3, 1).
    """
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class Unreadable(ValueError):
    """A context value present but not readable as the expected type."""


def context_date(value: Any) -> date | None:
    """``None`` for blank; a ``date`` for an ISO date string, date or datetime.

    :raises Unreadable: for any other value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 else date.fromisoformat(text)
        except ValueError:
            raise Unreadable(value) from None
    raise Unreadable(value)


def context_decimal(value: Any) -> Decimal | None:
    """``None`` for blank; a ``Decimal`` for a number or numeric string.

    :raises Unreadable: for any other value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise Unreadable(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Unreadable(value) from None
    if not number.is_finite():
        raise Unreadable(value)
    return number


def context_flag(value: Any) -> bool | None:
    """Y/N, yes/no, true/false (strings or booleans) as a boolean; ``None`` for blank.

    :raises Unreadable: for any other value.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().upper()
    if text in ("Y", "YES", "TRUE", "1"):
        return True
    if text in ("N", "NO", "FALSE", "0"):
        return False
    raise Unreadable(value)


def as_decimal(value: Any) -> Decimal:
    """A protocol parameter (int, float, str or Decimal) as an exact Decimal."""
    return value if isinstance(value, Decimal) else Decimal(str(value))
