"""eCRF: baseline medical conditions (repeating), graded by CTCAE v5.0.  Exclusion E13 reads this log."""
from __future__ import annotations

from .core import Check, CheckContext, Field, FormDef

MEDDRA_SOCS = tuple(
    (name, name)
    for name in (
        "Blood and lymphatic system disorders", "Cardiac disorders", "Congenital, familial and genetic disorders",
        "Ear and labyrinth disorders", "Endocrine disorders", "Eye disorders", "Gastrointestinal disorders",
        "General disorders and administration site conditions", "Hepatobiliary disorders", "Immune system disorders",
        "Infections and infestations", "Injury, poisoning and procedural complications", "Investigations",
        "Metabolism and nutrition disorders", "Musculoskeletal and connective tissue disorders",
        "Neoplasms benign, malignant and unspecified (incl cysts and polyps)", "Nervous system disorders",
        "Pregnancy, puerperium and perinatal conditions", "Psychiatric disorders", "Renal and urinary disorders",
        "Reproductive system and breast disorders", "Respiratory, thoracic and mediastinal disorders",
        "Skin and subcutaneous tissue disorders", "Social circumstances", "Surgical and medical procedures",
        "Vascular disorders",
    )
)
"""The 26 MedDRA system organ classes as CTCAE v5.0 names them."""

FIELDS = (
    Field("TERM", "Condition (CTCAE v5.0 term)", "text", "E13", max_length=200),
    Field("SOC", "System organ class", "code", "E13", codes=MEDDRA_SOCS),
    Field("GRADE", "CTCAE v5.0 grade", "integer", "E13", min=0, max=5),
    Field("MHSTDTC", "Onset date", "date", "E13", required=False),
    Field("MHENDTC", "Resolution date", "date", "E13", required=False, help="Blank while the condition persists."),
    Field("ONGOING", "Ongoing at screening", "yesno", "E13"),
)


def _end_not_before_start(ctx: CheckContext) -> str | None:
    start, end = ctx.get("MHSTDTC"), ctx.get("MHENDTC")
    if end >= start:
        return None
    return f"Resolution date {end.isoformat()} is before the onset date {start.isoformat()}."


def _ongoing_matches_end(ctx: CheckContext) -> str | None:
    ongoing, end = ctx.get("ONGOING"), ctx.get("MHENDTC")
    if ongoing == "Y" and end is not None:
        return f"Marked ongoing but has a resolution date ({end.isoformat()}): clear the date or answer No."
    if ongoing == "N" and end is None:
        return "Marked resolved but has no resolution date: enter it or answer Yes."
    return None


CHECKS = (
    Check("MH.END_AFTER_START", "hard", ("MHSTDTC", "MHENDTC"), "MHENDTC >= MHSTDTC",
          "Resolution date is before the onset date.", "E13", _end_not_before_start, needs=("MHSTDTC", "MHENDTC")),
    Check("MH.ONGOING", "hard", ("ONGOING", "MHENDTC"), "ONGOING = Y exactly when MHENDTC is blank",
          "Ongoing and resolution date disagree.", "E13", _ongoing_matches_end, needs=("ONGOING",)),
)

BASELINE_CONDITIONS = FormDef(
    key="baseline_conditions",
    version=1,
    title="Baseline medical conditions",
    fields=FIELDS,
    checks=CHECKS,
    repeating=True,
    clause="Exclusion E13 (registry 13-)",
    description="Conditions present at screening with their CTCAE v5.0 grade; ongoing grade 3+ organ toxicity excludes.",
)

FORMS: tuple[FormDef, ...] = (BASELINE_CONDITIONS,)
