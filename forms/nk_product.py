"""eCRF: NK-cell product, one record per bag: donor eligibility, storage and the release tests of spec 7.

Release is derived from the checks themselves: ``RELEASE_QC_PASSED`` is ``Y`` only when every HARD release
criterion was evaluated and none failed.  The infusion form reads it (context ``product_release_passed``).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Mapping

from .core import Check, CheckContext, Field, Finding, FormDef

S7 = "spec 7"
NEG_POS = (("NEG", "Negative"), ("POS", "Positive"))

DONOR_MARKERS = (
    ("DONOR_HIV", "HIV-1/2"),
    ("DONOR_HBSAG", "HBsAg"),
    ("DONOR_ANTIHBC", "Anti-HBc"),
    ("DONOR_HCV", "HCV"),
    ("DONOR_HTLV", "HTLV-I/II"),
    ("DONOR_SYPHILIS", "Syphilis"),
)
"""Infectious markers that must all be negative; CMV is handled by its own policy switch."""

RELEASE_FIELDS = (
    "QC_STERILITY", "QC_GRAM", "QC_ENDOTOX", "QC_MYCO", "QC_VIAB_POSTTHAW", "QC_PURITY_NK", "QC_CD3_PER_KG",
    "QC_ID_MATCH", "STOR_TEMP_C", *(name for name, _ in DONOR_MARKERS), "DONOR_CMV",
)
"""Values a HARD release criterion needs: a product missing any of them is not released."""


def _param(ctx: CheckContext, key: str) -> Decimal:
    return Decimal(str(ctx.params[key]))


def _sterility(ctx: CheckContext) -> str | None:
    result = ctx.get("QC_STERILITY")
    if result == "NEG":
        return None
    if result == "POS":
        return "Sterility culture positive: the product cannot be released."
    if not ctx.params["release_at_risk_allowed"]:
        return "Sterility culture still pending: release before the final result is not allowed in this study."
    if ctx.get("QC_GRAM") != "NEG":
        return "Sterility culture pending: release at risk needs a negative Gram stain."
    return None


def _negative(name: str, label: str):
    def test(ctx: CheckContext) -> str | None:
        return None if ctx.get(name) == "NEG" else f"{label} positive: the product cannot be released."
    return test


def _endotoxin(ctx: CheckContext) -> str | None:
    limit = _param(ctx, "release_endotoxin_max_eu_ml")
    value = ctx.get("QC_ENDOTOX")
    return None if value < limit else f"Endotoxin {value} EU/mL: must be below {limit} EU/mL for release."


def _at_least(name: str, key: str, what: str, unit: str):
    def test(ctx: CheckContext) -> str | None:
        value, limit = ctx.get(name), _param(ctx, key)
        return None if value >= limit else f"{what} {value} {unit}: at least {limit} {unit} is required for release."
    return test


def _cd3(ctx: CheckContext) -> str | None:
    value, limit = ctx.get("QC_CD3_PER_KG"), _param(ctx, "release_cd3_max_per_kg")
    if value <= limit:
        return None
    return f"Residual T cells {value:,.0f} CD3+ cells/kg: at most {limit:,.0f}/kg is allowed (GVHD risk)."


def _cd19(ctx: CheckContext) -> str | None:
    value, limit = ctx.get("QC_CD19_PER_KG"), _param(ctx, "release_cd19_max_per_kg")
    if value <= limit:
        return None
    return f"B cells {value:,.0f} CD19+ cells/kg exceed {limit:,.0f}/kg: confirm with the sponsor (EBV-PTLD risk)."


def _potency(ctx: CheckContext) -> str | None:
    value, limit = ctx.get("QC_POTENCY"), _param(ctx, "release_potency_min_pct")
    return None if value > limit else f"Potency {value} % lysis: above {limit} % expected; confirm with the laboratory."


def _storage(ctx: CheckContext) -> str | None:
    value, limit = ctx.get("STOR_TEMP_C"), _param(ctx, "release_storage_max_temp_c")
    return None if value <= limit else f"Storage at {value} °C: the product must be stored at {limit} °C or colder."


def _donor_markers(ctx: CheckContext) -> str | None:
    positive = [label for name, label in DONOR_MARKERS if ctx.get(name) == "POS"]
    if positive:
        return f"Donor positive for {', '.join(positive)}: the donor is not eligible."
    return None


def _cmv(allowed: bool):
    def test(ctx: CheckContext) -> bool:
        return ctx.get("DONOR_CMV") != "POS" or bool(ctx.params["donor_cmv_positive_allowed"]) != allowed
    return test


FIELDS = (
    Field("DONOR_ID", "Donor identifier", "text", S7, max_length=50, section="Donor"),
    Field("DONOR_REL", "Donor relationship", "code", S7, section="Donor",
          codes=(("HAPLO_PARENT", "Haploidentical parent"), ("HAPLO_SIBLING", "Haploidentical sibling"),
                 ("UNRELATED", "Unrelated"))),
    Field("DONOR_HLA", "Donor HLA typing", "text", S7, required=False, max_length=200, section="Donor"),
    *(Field(name, f"Donor {label}", "code", S7, codes=NEG_POS, section="Donor") for name, label in DONOR_MARKERS),
    Field("DONOR_CMV", "Donor CMV", "code", S7, codes=NEG_POS, section="Donor"),
    Field("LOT_NO", "Lot number", "text", S7, max_length=50, section="Product"),
    Field("BAG_NO", "Bag number", "text", S7, max_length=50, section="Product"),
    Field("STOR_TEMP_C", "Storage temperature", "decimal", S7, unit="°C", min=-200, max=40, section="Product"),
    Field("STOR_START_DT", "Cryostorage start date", "date", S7, section="Product"),
    Field("QC_STERILITY", "Sterility culture (final product)", "code", S7, section="Release tests",
          codes=(("NEG", "No growth"), ("POS", "Growth"), ("PENDING", "Pending"))),
    Field("QC_GRAM", "Gram stain (post-thaw)", "code", S7, codes=(("NEG", "No organisms"), ("POS", "Organisms seen")),
          section="Release tests"),
    Field("QC_ENDOTOX", "Endotoxin (LAL)", "decimal", S7, unit="EU/mL", min=0, max=1000, section="Release tests"),
    Field("QC_MYCO", "Mycoplasma", "code", S7, codes=NEG_POS, section="Release tests"),
    Field("QC_VIAB_POSTTHAW", "Viability after thaw", "decimal", S7, unit="%", min=0, max=100,
          section="Release tests"),
    Field("QC_PURITY_NK", "NK purity (CD56+CD3- of viable CD45+)", "decimal", S7, unit="%", min=0, max=100,
          section="Release tests"),
    Field("TNC", "Total nucleated cells in the bag", "decimal", S7, unit="cells", min=0, section="Release tests"),
    Field("QC_CD3_PCT", "CD3+ T cells", "decimal", S7, unit="% of nucleated cells", min=0, max=100,
          section="Release tests"),
    Field("RECIPIENT_WEIGHT_KG", "Recipient weight used for release", "decimal", S7, unit="kg", min=1, max=150,
          section="Release tests"),
    Field("QC_CD19_PER_KG", "CD19+ B cells", "decimal", S7, unit="cells/kg", min=0, required=False,
          section="Release tests"),
    Field("QC_POTENCY", "Potency (K562 lysis at E:T 20:1)", "decimal", S7, unit="%", min=0, max=100,
          required=False, section="Release tests"),
    Field("QC_ID_MATCH", "Identity matches the donor record (HLA/KIR)", "yesno", S7, section="Release tests"),
    Field("QC_CD3_PER_KG", "CD3+ T cells per kg", "decimal", S7, unit="cells/kg", derived=True,
          section="Release"),
    Field("RELEASE_QC_PASSED", "Release criteria met", "yesno", S7, derived=True, section="Release"),
)

CHECKS = (
    Check("REL_STERILITY", "hard", ("QC_STERILITY", "QC_GRAM"),
          "QC_STERILITY = NEG, or PENDING with release-at-risk allowed and QC_GRAM = NEG",
          "The sterility culture does not allow release.", f"{S7} QC_STERILITY", _sterility,
          needs=("QC_STERILITY",)),
    Check("REL_GRAM", "hard", ("QC_GRAM",), "QC_GRAM = NEG", "Gram stain positive: the product cannot be released.",
          f"{S7} QC_GRAM", _negative("QC_GRAM", "Gram stain"), needs=("QC_GRAM",)),
    Check("REL_ENDOTOXIN", "hard", ("QC_ENDOTOX",), "QC_ENDOTOX < release_endotoxin_max_eu_ml",
          "Endotoxin too high for release.", f"{S7} QC_ENDOTOX", _endotoxin, needs=("QC_ENDOTOX",)),
    Check("REL_MYCOPLASMA", "hard", ("QC_MYCO",), "QC_MYCO = NEG",
          "Mycoplasma positive: the product cannot be released.", f"{S7} QC_MYCO",
          _negative("QC_MYCO", "Mycoplasma"), needs=("QC_MYCO",)),
    Check("REL_VIABILITY", "hard", ("QC_VIAB_POSTTHAW",), "QC_VIAB_POSTTHAW >= release_viability_min_pct",
          "Post-thaw viability too low for release.", f"{S7} QC_VIAB_POSTTHAW",
          _at_least("QC_VIAB_POSTTHAW", "release_viability_min_pct", "Post-thaw viability", "%"),
          needs=("QC_VIAB_POSTTHAW",)),
    Check("REL_PURITY", "hard", ("QC_PURITY_NK",), "QC_PURITY_NK >= release_purity_nk_min_pct",
          "NK purity too low for release.", f"{S7} QC_PURITY_NK",
          _at_least("QC_PURITY_NK", "release_purity_nk_min_pct", "NK purity", "%"), needs=("QC_PURITY_NK",)),
    Check("REL_CD3", "hard", ("TNC", "QC_CD3_PCT", "RECIPIENT_WEIGHT_KG"),
          "QC_CD3_PER_KG = TNC x QC_CD3_PCT / 100 / RECIPIENT_WEIGHT_KG <= release_cd3_max_per_kg",
          "Too many residual T cells for release.", f"{S7} QC_CD3_PER_KG", _cd3, needs=("QC_CD3_PER_KG",)),
    Check("REL_CD19", "soft", ("QC_CD19_PER_KG",), "QC_CD19_PER_KG <= release_cd19_max_per_kg",
          "B-cell content above the configured limit.", f"{S7} QC_CD19_PER_KG", _cd19, needs=("QC_CD19_PER_KG",)),
    Check("REL_POTENCY", "soft", ("QC_POTENCY",), "QC_POTENCY > release_potency_min_pct",
          "Potency below the expected level.", f"{S7} QC_POTENCY", _potency, needs=("QC_POTENCY",)),
    Check("REL_IDENTITY", "hard", ("QC_ID_MATCH",), "QC_ID_MATCH = Y",
          "The product's identity does not match the donor record: it cannot be released.", f"{S7} QC_ID_MATCH",
          lambda ctx: ctx.get("QC_ID_MATCH") == "Y", needs=("QC_ID_MATCH",)),
    Check("REL_STORAGE", "hard", ("STOR_TEMP_C",), "STOR_TEMP_C <= release_storage_max_temp_c",
          "Storage temperature too warm for release.", f"{S7} STOR_TEMP_C", _storage, needs=("STOR_TEMP_C",)),
    Check("REL_DONOR_MARKERS", "hard", tuple(name for name, _ in DONOR_MARKERS),
          "every donor infectious marker (HIV, HBsAg, anti-HBc, HCV, HTLV, syphilis) = NEG",
          "A donor infectious marker is positive: the donor is not eligible.", f"{S7} Donor eligibility",
          _donor_markers),
    Check("REL_DONOR_CMV_REFUSED", "hard", ("DONOR_CMV",),
          "DONOR_CMV = NEG when donor_cmv_positive_allowed is off",
          "CMV-positive donor: not allowed by the study's CMV policy.", f"{S7} Donor eligibility",
          _cmv(allowed=False), needs=("DONOR_CMV",)),
    Check("REL_DONOR_CMV_QUERY", "soft", ("DONOR_CMV",),
          "DONOR_CMV = POS when donor_cmv_positive_allowed is on raises a query",
          "CMV-positive donor: confirm the CMV policy and plan recipient CMV monitoring.", f"{S7} Donor eligibility",
          _cmv(allowed=True), needs=("DONOR_CMV",)),
)

_RELEASE_CHECKS = frozenset(c.id for c in CHECKS if c.severity == "hard")
_LABELS = {"QC_CD3_PER_KG": "CD3+ T cells per kg (needs TNC, CD3 % and weight)"}


def _derive(values: dict[str, Any], context: Mapping[str, Any], params: Any) -> dict[str, Any]:
    tnc, pct, weight = values.get("TNC"), values.get("QC_CD3_PCT"), values.get("RECIPIENT_WEIGHT_KG")
    per_kg = None
    if tnc is not None and pct is not None and weight:
        per_kg = (tnc * pct / Decimal(100) / weight).quantize(Decimal(1))
    return {"QC_CD3_PER_KG": per_kg}


def _conclude(findings: list[Finding], ctx: CheckContext) -> dict[str, Any]:
    failures = [f"{f.check}: {f.message}" for f in findings if f.check in _RELEASE_CHECKS]
    labels = {spec.name: spec.label for spec in FIELDS} | _LABELS
    failures += [f"{labels[name]}: not reported" for name in RELEASE_FIELDS if ctx.get(name) is None]
    return {"RELEASE_QC_PASSED": "N" if failures else "Y", "RELEASE_FAILURES": failures}


FORMS = (
    FormDef("nk_product", 1, "NK-cell product (per bag)", FIELDS, CHECKS, derive=_derive, conclude=_conclude,
            repeating=True, clause=S7,
            description="Donor eligibility, storage and release tests of one bag; release is derived."),
)

