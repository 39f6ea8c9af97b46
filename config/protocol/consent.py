"""Protocol parameters: consent, parental permission and assent (spec sections 0 and 6)."""
from __future__ import annotations

from . import Parameter

PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "assent_min_age_years", 7, "years", "spec 6.2 ASSENT_REQ; CFG.assent_min_age_years",
        "Child assent is requested when the completed age at the consent date is at least this (45 CFR 46.408(a), "
        "21 CFR 50.55: the ethics committee decides which children can assent; common convention from 7 years).",
        assumption=True,
    ),
    Parameter(
        "guardians_required", 1, "guardians", "spec 6.1; 6.2 SIGNER2_* (CFG.both_parents)",
        "Greater than minimal risk with prospect of direct benefit (45 CFR 46.405 / 21 CFR 50.52): permission of "
        "one parent may suffice (46.408(b)). Set 2 when the ethics committee requires both parents.",
        assumption=True,
    ),
    Parameter(
        "majority_age_years", 18, "years", "spec 6.1 re-consent at age of majority",
        "A subject enrolled at 16 may turn 18 during the 2-year study and must then consent as an adult.",
    ),
    Parameter(
        "ethics_code", "IR.ACECR.ROYAN.REC.1400.032", "text", "spec header; 6.1",
        "Royan Institute research ethics committee (ACECR) approval code of this trial, registry org study ID.",
    ),
    Parameter(
        "ethics_reference_pattern", r"^IR\.[A-Z0-9]+(\.[A-Z0-9]+)*\.REC\.\d{4}\.\d{1,4}$", "regex",
        "spec 6.1 validation regex (SOFT)",
        "Iranian national ethics code format; a reference that does not match is a warning, not a refusal.",
    ),
)
