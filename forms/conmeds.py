"""eCRF: concomitant medications (repeating).  Exclusions E9 (steroids) and E10 (CYP3A4) read this log."""
from __future__ import annotations

from decimal import Decimal

from .core import Check, CheckContext, Field, FormDef

ROUTES = (
    ("ORAL", "Oral"), ("IV", "Intravenous"), ("IM", "Intramuscular"), ("TOPICAL", "Topical"),
    ("INHALED", "Inhaled"), ("INTRANASAL", "Intranasal"), ("OPHTHALMIC", "Ophthalmic"),
    ("INTRA_ARTICULAR", "Intra-articular"), ("OTHER", "Other"),
)

FIELDS = (
    Field("CMTRT", "Medication (generic name)", "text", "E9 E10", max_length=200,
          help="Generic name as on the prescription, e.g. dexamethasone, voriconazole."),
    Field("CMDOSE_MG_DAY", "Total daily dose", "decimal", "E9", unit="mg/day", min=Decimal(0), max=Decimal(100000),
          help="Sum of all doses given in one day, in mg."),
    Field("CMROUTE", "Route", "code", "E9 E10", codes=ROUTES),
    Field("CMSTDTC", "Start date", "date", "E9 E10"),
    Field("CMENDTC", "End date", "date", "E9 E10", required=False, help="Blank while the medication continues."),
    Field("CMONGO", "Ongoing", "yesno", "E9 E10"),
)


def _end_not_before_start(ctx: CheckContext) -> str | None:
    start, end = ctx.get("CMSTDTC"), ctx.get("CMENDTC")
    if end >= start:
        return None
    return f"End date {end.isoformat()} is before the start date {start.isoformat()}."


def _ongoing_matches_end(ctx: CheckContext) -> str | None:
    ongoing, end = ctx.get("CMONGO"), ctx.get("CMENDTC")
    if ongoing == "Y" and end is not None:
        return f"Marked ongoing but has an end date ({end.isoformat()}): clear the end date or answer No."
    if ongoing == "N" and end is None:
        return "Marked not ongoing but has no end date: enter the end date or answer Yes."
    return None


CHECKS = (
    Check("CM.END_AFTER_START", "hard", ("CMSTDTC", "CMENDTC"), "CMENDTC >= CMSTDTC",
          "End date is before the start date.", "E9 E10", _end_not_before_start, needs=("CMSTDTC", "CMENDTC")),
    Check("CM.ONGOING", "hard", ("CMONGO", "CMENDTC"), "CMONGO = Y exactly when CMENDTC is blank",
          "Ongoing and end date disagree.", "E9 E10", _ongoing_matches_end, needs=("CMONGO",)),
)

CONMEDS = FormDef(
    key="conmeds",
    version=1,
    title="Concomitant medications",
    fields=FIELDS,
    checks=CHECKS,
    repeating=True,
    clause="Exclusions E9 (registry 7-) and E10 (registry 8-)",
    description="One record per medication and dose period; steroid and CYP3A4 exclusions are computed from it.",
)

FORMS: tuple[FormDef, ...] = (CONMEDS,)
