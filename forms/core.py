"""eCRF declarations and the pure check runner.

A form is data: its fields (what the WTForms form and the page are built from) and its edit checks
(what the service, the page, the check listing and the ``edc checks run`` harness all evaluate).
Nothing here imports Flask or SQLAlchemy.

Values arrive as the strings a user typed (``"12.50"``), or ``None`` for blank.  :func:`parse_values`
turns them into typed values (``Decimal``, ``date``, ``int`` ...) and reports syntax problems as hard
findings; :func:`evaluate` then derives values and runs the checks on the typed values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable, Literal, Mapping

from config.protocol import REGISTRY, Parameters

Severity = Literal["hard", "soft"]
FieldType = Literal["text", "integer", "decimal", "date", "datetime", "time", "code", "yesno"]

YES_NO = (("Y", "Yes"), ("N", "No"))

MISSING_REASONS = (("ND", "Not done"), ("NA", "Not applicable"), ("UNK", "Unknown"))
"""Why a field was left blank (CDISC flavours).  A blank field needs one of these to be complete."""


@dataclass(frozen=True)
class Field:
    """One item of a form.  ``name`` is the spec's identifier (PLT, BRTHDTC ...)."""

    name: str
    label: str
    type: FieldType
    clause: str = ""
    unit: str | None = None
    min: Decimal | int | None = None
    max: Decimal | int | None = None
    codes: tuple[tuple[str, str], ...] = ()
    required: bool = True
    help: str = ""
    max_length: int = 500
    identifier: bool = False
    """A direct identifier (name, date of birth): encrypted before it enters the ledger."""
    derived: bool = False
    """Computed by the form's derivation, never typed; shown read-only beside entered values."""
    section: str = ""

    def __post_init__(self) -> None:
        if self.type in ("code", "yesno") and not self.choices:
            raise ValueError(f"{self.name}: a coded field needs its code list")

    @property
    def choices(self) -> tuple[tuple[str, str], ...]:
        return YES_NO if self.type == "yesno" and not self.codes else self.codes

    def label_of(self, code: str | None) -> str | None:
        return dict(self.choices).get(code, code) if code is not None else None


@dataclass(frozen=True)
class Finding:
    """The outcome of one failed check, as the harness contract prints it."""

    check: str
    severity: Severity
    fields: tuple[str, ...]
    message: str
    clause: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "fields": list(self.fields),
            "message": self.message,
            "clause": self.clause,
        }


@dataclass
class CheckContext:
    """What a check reads: typed values of this form, derived values, other facts, parameters."""

    values: dict[str, Any]
    derived: dict[str, Any]
    context: Mapping[str, Any]
    params: Parameters

    def get(self, name: str) -> Any:
        if name in self.derived:
            return self.derived[name]
        return self.values.get(name)


CheckResult = str | None | bool
"""A check function returns ``None``/``True`` when satisfied, or ``False``/a message when not."""


@dataclass(frozen=True)
class Check:
    """One edit check, declared once: the listing, the page and the harness all read this."""

    id: str
    severity: Severity
    fields: tuple[str, ...]
    rule: str
    message: str
    """May name protocol parameters in braces (``"ANC < {anc_min_per_ul}/µL"``): see :func:`render_message`."""
    clause: str
    test: Callable[[CheckContext], CheckResult]
    needs: tuple[str, ...] = ()
    """Fields or derived values that must be present for the check to run (else it is skipped)."""
    criterion: str | None = None
    """Eligibility criterion id this check decides (screening only)."""


@dataclass(frozen=True)
class FormDef:
    """A versioned form declaration."""

    key: str
    version: int
    title: str
    fields: tuple[Field, ...]
    checks: tuple[Check, ...] = ()
    derive: Callable[[dict[str, Any], Mapping[str, Any], Parameters], dict[str, Any]] | None = None
    conclude: Callable[[list[Finding], CheckContext], dict[str, Any]] | None = None
    """Derives values from the findings themselves (e.g. ``eligible``), after the checks ran."""
    repeating: bool = False
    clause: str = ""
    description: str = ""

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    @property
    def entered_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if not f.derived)


@dataclass
class Evaluation:
    findings: list[Finding]
    derived: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    criterion_checks: frozenset[str] = frozenset()
    """Ids of the checks that decide an eligibility criterion (their hard findings make the subject
    ineligible; they do not stop the source values from being recorded)."""

    @property
    def hard(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]

    @property
    def blocking(self) -> list[Finding]:
        """Hard findings that refuse the save: everything hard except a criterion that is not met."""
        return [f for f in self.hard if f.check not in self.criterion_checks]

    @property
    def criteria_not_met(self) -> list[Finding]:
        return [f for f in self.hard if f.check in self.criterion_checks]

    @property
    def soft(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "soft"]


_INTEGER = re.compile(r"^[+-]?\d+$")
_INTEGER_DIGITS = 18
"""Longer whole numbers are no clinical value (and Python refuses to convert beyond 4300 digits)."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Invisible control characters (NUL first: PostgreSQL cannot store it); tab and line breaks are text."""


def control_character_problem(label: str, text: str) -> str | None:
    """The message for free text holding an invisible control character, else ``None``."""
    if _CONTROL.search(text):
        return f"{label}: remove the invisible control character (such as NUL) - it cannot be stored."
    return None
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


class SyntaxProblem(ValueError):
    """A value that does not parse as its field's type, with a message for clinical staff."""


def parse_value(spec: Field, raw: str) -> Any:
    """Parse one non-blank typed string into the field's Python type.

    :raises SyntaxProblem: with a message naming the field in clinical words.
    """
    text = raw.strip()
    if spec.type == "text":
        problem = control_character_problem(spec.label, text)
        if problem:
            raise SyntaxProblem(problem)
        if len(text) > spec.max_length:
            raise SyntaxProblem(f"{spec.label}: at most {spec.max_length} characters.")
        return text
    if spec.type in ("code", "yesno"):
        if text not in dict(spec.choices):
            allowed = ", ".join(label for _, label in spec.choices)
            raise SyntaxProblem(f"{spec.label}: choose one of {allowed}.")
        return text
    if spec.type == "integer":
        if not _INTEGER.match(text):
            raise SyntaxProblem(f"{spec.label}: enter a whole number.")
        if len(text.lstrip("+-")) > _INTEGER_DIGITS:
            raise SyntaxProblem(f"{spec.label}: enter a whole number of at most {_INTEGER_DIGITS} digits.")
        value: Any = int(text)
    elif spec.type == "decimal":
        if not _DECIMAL.match(text) or len(text) > 30:
            raise SyntaxProblem(f"{spec.label}: enter a number (use a point for decimals).")
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise SyntaxProblem(f"{spec.label}: enter a number.") from None
    elif spec.type == "date":
        try:
            if len(text) != 10:
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError:
            raise SyntaxProblem(f"{spec.label}: enter a real date as YYYY-MM-DD.") from None
    elif spec.type == "datetime":
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            raise SyntaxProblem(f"{spec.label}: enter date and time as YYYY-MM-DD HH:MM.") from None
        return parsed
    elif spec.type == "time":
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise SyntaxProblem(f"{spec.label}: enter a time as HH:MM.") from None
    else:  # pragma: no cover - guarded by FieldType
        raise SyntaxProblem(f"{spec.label}: unsupported type {spec.type}.")
    unit = f" {spec.unit}" if spec.unit else ""
    if spec.min is not None and value < spec.min:
        raise SyntaxProblem(f"{spec.label}: {text}{unit} is below the allowed range ({spec.min} to {spec.max}{unit}).")
    if spec.max is not None and value > spec.max:
        raise SyntaxProblem(f"{spec.label}: {text}{unit} is above the allowed range ({spec.min} to {spec.max}{unit}).")
    return value


def parse_values(form: FormDef, data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Finding]]:
    """Type every entered field of ``data``; blanks become ``None``.  Unknown names are ignored."""
    values: dict[str, Any] = {}
    findings: list[Finding] = []
    for spec in form.entered_fields:
        raw = data.get(spec.name)
        if raw is None or (isinstance(raw, str) and raw.strip() == ""):
            values[spec.name] = None
            continue
        if not isinstance(raw, str):
            raw = str(raw)
        try:
            values[spec.name] = parse_value(spec, raw)
        except SyntaxProblem as problem:
            values[spec.name] = None
            findings.append(Finding(f"{spec.name}.FORMAT", "hard", (spec.name,), str(problem), spec.clause))
    return values, findings


def missing_required(form: FormDef, data: Mapping[str, Any], missing: Mapping[str, str]) -> list[Finding]:
    """Required fields left blank without a missing-data reason (they make the form incomplete)."""
    reasons = dict(MISSING_REASONS)
    out = []
    for spec in form.entered_fields:
        raw = data.get(spec.name)
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if spec.required and blank and missing.get(spec.name) not in reasons:
            out.append(
                Finding(
                    f"{spec.name}.REQUIRED",
                    "soft",
                    (spec.name,),
                    f"{spec.label}: enter a value, or say why it is missing (not done, not applicable, unknown).",
                    spec.clause,
                )
            )
    return out


def evaluate(
    form: FormDef,
    data: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    params: Parameters | None = None,
) -> Evaluation:
    """Parse, derive and check one form payload.  Pure: the single entry point for every caller."""
    context = context or {}
    params = params or REGISTRY
    values, findings = parse_values(form, data)
    derived = dict(form.derive(values, context, params)) if form.derive else {}
    ctx = CheckContext(values=values, derived=derived, context=context, params=params)
    for check in form.checks:
        if any(ctx.get(name) is None for name in check.needs):
            continue
        outcome = check.test(ctx)
        if outcome is None or outcome is True:
            continue
        message = outcome if isinstance(outcome, str) else render_message(check.message, params)
        findings.append(Finding(check.id, check.severity, check.fields, message, check.clause))
    if form.conclude:
        derived.update(form.conclude(findings, ctx))
    criteria = frozenset(check.id for check in form.checks if check.criterion)
    return Evaluation(findings=findings, derived=derived, values=values, criterion_checks=criteria)


class _ParameterValues(dict):
    def __init__(self, params: Parameters):
        super().__init__()
        self._params = params

    def __missing__(self, key: str) -> str:
        try:
            return str(self._params[key])
        except KeyError:
            return "{" + key + "}"


def render_message(template: str, params: Parameters | None = None) -> str:
    """A check's declared message with its protocol parameters filled in, so that the number a
    message quotes is always the one the check applies (overrides included)."""
    return template.format_map(_ParameterValues(params or REGISTRY))


def describe_checks(forms: Iterable[FormDef], params: Parameters | None = None) -> list[dict[str, str]]:
    """The edit-check specification rows a data manager reviews: one per declared check."""
    rows = []
    for form in forms:
        for check in form.checks:
            rows.append(
                {
                    "id": check.id,
                    "form": form.key,
                    "version": str(form.version),
                    "fields": " ".join(check.fields),
                    "rule": check.rule,
                    "severity": check.severity,
                    "message": render_message(check.message, params),
                    "clause": check.clause,
                }
            )
    return rows
