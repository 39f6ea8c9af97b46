"""The edit-check UAT harness behind ``edc checks run FORM --input case.json``.

Public contract (shared/protocol/README.md): input ``{"data": {...}, "context": {...}}``; output
``{"form", "findings": [{"check", "severity", "fields", "message", "clause"}], "derived": {...}}``.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from .core import evaluate
from .registry import get_form


class MalformedCase(ValueError):
    """The case file is not of the harness's shape; the message says what is wrong."""


def to_json_value(value: Any) -> Any:
    """Derived values as JSON: Decimals as numbers, dates as ISO strings, containers recursively."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_value(v) for v in value]
    return value


def run_case(form_key: str, case: Any) -> dict[str, Any]:
    """Evaluate one case without saving anything.

    :raises MalformedCase: when ``case`` lacks a ``data`` object or holds non-string values.
    :raises forms.registry.UnknownForm: when ``form_key`` is not a declared form.
    """
    form = get_form(form_key)
    if not isinstance(case, dict) or not isinstance(case.get("data"), dict):
        raise MalformedCase('the input must be a JSON object with a "data" object')
    context = case.get("context", {})
    if not isinstance(context, dict):
        raise MalformedCase('"context" must be a JSON object')
    for name, value in case["data"].items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
            raise MalformedCase(f'data field "{name}" must be a string as typed, or null for blank')
    data = {name: (None if value is None else str(value)) for name, value in case["data"].items()}
    result = evaluate(form, data, context)
    return {
        "form": form.key,
        "findings": [finding.as_dict() for finding in result.findings],
        "derived": to_json_value(result.derived),
    }
