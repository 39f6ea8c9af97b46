"""Renal limits of exclusion E3: the COG creatinine table (spec 1.3) and the bedside Schwartz estimate."""
from __future__ import annotations

from decimal import Decimal
from typing import Sequence

from .dates import as_decimal


def creatinine_maximum(table: Sequence[Sequence[object]], age_years: int, sex: str) -> Decimal | None:
    """The maximum serum creatinine (mg/dL) for completed age and sex; ``None`` below the table's first age."""
    chosen: Sequence[object] | None = None
    for row in sorted(table, key=lambda r: as_decimal(r[0])):
        if age_years >= as_decimal(row[0]):
            chosen = row
    if chosen is None:
        return None
    return as_decimal(chosen[1] if sex == "M" else chosen[2])


def bedside_schwartz(k: Decimal, height_cm: Decimal, creatinine_mg_dl: Decimal) -> Decimal | None:
    """eGFR (mL/min/1.73 m2) = k x height / creatinine (Schwartz 2009); ``None`` when creatinine is zero."""
    if creatinine_mg_dl <= 0:
        return None
    return k * height_cm / creatinine_mg_dl
