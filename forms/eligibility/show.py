"""Values as clinical staff read them in check messages."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any


def show(value: Any) -> str:
    """Numbers without exponent or trailing zeros (thousands grouped for counts), dates in ISO, blanks as 'blank'."""
    if value is None:
        return "blank"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
        if number == number.to_integral_value():
            return f"{int(number):,}"
        text = format(number.normalize(), "f")
        return text
    if isinstance(value, float):
        return show(Decimal(str(value)))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def show_list(values: Any) -> str:
    return ", ".join(show(v) for v in values)
