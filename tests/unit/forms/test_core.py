"""The declaration core: typing of entered strings, missing-data reasons, check running."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from config.protocol import REGISTRY
from forms.core import Check, Field, FormDef, evaluate, missing_required, parse_value, SyntaxProblem

WEIGHT = Field("WEIGHT_KG", "Body weight", "decimal", unit="kg", min=Decimal("5"), max=Decimal("100"), clause="spec 7")
DOSE_N = Field("INF_NO", "Infusion number", "integer", min=1, max=5)
GIVEN = Field("GIVEN", "Given", "yesno")
ON = Field("ON", "Date", "date")


@pytest.mark.parametrize(
    "spec, raw, expected",
    [
        (WEIGHT, "12.50", Decimal("12.50")),
        (WEIGHT, " 5 ", Decimal("5")),
        (WEIGHT, "100", Decimal("100")),
        (DOSE_N, "3", 3),
        (GIVEN, "Y", "Y"),
        (ON, "2024-02-29", date(2024, 2, 29)),
    ],
)
def test_valid_strings_parse_to_their_type_without_losing_digits(spec, raw, expected):
    value = parse_value(spec, raw)
    assert value == expected
    if isinstance(expected, Decimal):
        assert str(value) == raw.strip()


@pytest.mark.parametrize(
    "spec, raw, fragment",
    [
        (WEIGHT, "4.99", "below the allowed range"),
        (WEIGHT, "100.01", "above the allowed range"),
        (WEIGHT, "twelve", "enter a number"),
        (WEIGHT, "1e3", "enter a number"),
        (WEIGHT, "NaN", "enter a number"),
        (DOSE_N, "2.5", "whole number"),
        (DOSE_N, "6", "above the allowed range"),
        (GIVEN, "yes", "choose one of Yes, No"),
        (ON, "2023-02-29", "real date"),
        (ON, "29/02/2024", "real date"),
    ],
)
def test_malformed_strings_are_refused_with_a_message_in_clinical_words(spec, raw, fragment):
    with pytest.raises(SyntaxProblem) as problem:
        parse_value(spec, raw)
    assert fragment in str(problem.value)
    assert spec.label in str(problem.value)


def _heavy(ctx):
    weight = ctx.get("WEIGHT_KG")
    return None if weight <= 50 else f"Weight {weight} kg is unusually high for this trial"


FORM = FormDef(
    key="demo",
    version=1,
    title="Demo",
    fields=(WEIGHT, DOSE_N, Field("DOSE", "Dose", "decimal", derived=True, required=False)),
    checks=(
        Check("W1", "soft", ("WEIGHT_KG",), "weight <= 50 kg", "Weight high", "spec 7", _heavy, needs=("WEIGHT_KG",)),
        Check("N1", "hard", ("INF_NO",), "infusion 1 first", "Start with infusion 1", "spec 7",
              lambda ctx: ctx.get("INF_NO") == 1, needs=("INF_NO",)),
    ),
    derive=lambda values, context, params: {"DOSE": values["WEIGHT_KG"] * 2 if values["WEIGHT_KG"] is not None else None},
)


def test_evaluate_derives_then_reports_soft_and_hard_findings_with_their_clause():
    result = evaluate(FORM, {"WEIGHT_KG": "60.0", "INF_NO": "2"}, {}, REGISTRY)
    assert result.derived == {"DOSE": Decimal("120.0")}
    assert [(f.check, f.severity, f.clause) for f in result.findings] == [("W1", "soft", "spec 7"), ("N1", "hard", "spec 7")]
    assert result.soft[0].message == "Weight 60.0 kg is unusually high for this trial"
    assert result.hard[0].message == "Start with infusion 1"


def test_a_check_whose_inputs_are_blank_or_malformed_is_skipped_and_the_syntax_finding_reported():
    result = evaluate(FORM, {"WEIGHT_KG": "heavy", "INF_NO": None}, {}, REGISTRY)
    assert [f.check for f in result.findings] == ["WEIGHT_KG.FORMAT"]
    assert result.findings[0].severity == "hard"


def test_required_blank_fields_need_a_missing_data_reason():
    findings = missing_required(FORM, {"WEIGHT_KG": "20", "INF_NO": ""}, {})
    assert [f.check for f in findings] == ["INF_NO.REQUIRED"]
    assert missing_required(FORM, {"WEIGHT_KG": "20", "INF_NO": ""}, {"INF_NO": "ND"}) == []
    assert [f.check for f in missing_required(FORM, {"WEIGHT_KG": "20"}, {"INF_NO": "bogus"})] == ["INF_NO.REQUIRED"]


def test_a_listed_message_quotes_the_parameter_in_force_including_an_override():
    from forms.core import describe_checks
    from forms.registry import get_form

    screening = get_form("screening")
    default = {row["id"]: row["message"] for row in describe_checks([screening])}
    overridden = {row["id"]: row["message"] for row in describe_checks([screening], REGISTRY.with_overrides({"anc_min_per_ul": 750}))}
    assert default["E1b"] == "ANC < 500/µL (P3)"
    assert overridden["E1b"] == "ANC < 750/µL (P3)"
    assert "{" not in "".join(default.values()), "every placeholder names a declared parameter"
