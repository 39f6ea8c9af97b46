"""WTForms classes built from the form declarations.

Validators here check syntax only (type, range, code list) by calling the same parser the pure check
runner uses, so the page, the service and the harness agree; the protocol rules run in the service.
"""
from __future__ import annotations

from functools import cache

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from forms.core import MISSING_REASONS, Field, FormDef, SyntaxProblem, control_character_problem, parse_value

from ..services.crf import REASONS_FOR_CHANGE

MISSING_SUFFIX = "__missing"


def choices(pairs, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from (code, label) pairs, with an optional blank first option."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(code, label) for code, label in pairs]


def _syntax(spec: Field):
    def check(_form, field):
        raw = field.data
        if raw is None or not str(raw).strip():
            return
        try:
            parse_value(spec, str(raw))
        except SyntaxProblem as problem:
            raise ValidationError(str(problem)) from None

    return check


def _plain_text(_form, field):
    problem = control_character_problem(field.label.text, field.data or "")
    if problem:
        raise ValidationError(problem)


def _input(spec: Field):
    kwargs = {"label": spec.label, "description": spec.help, "validators": [Optional(), _syntax(spec)]}
    if spec.type in ("code", "yesno"):
        return SelectField(choices=choices(spec.choices, "- choose -"), validate_choice=False, **kwargs)
    if spec.type == "text" and spec.max_length > 200:
        return TextAreaField(**kwargs)
    return StringField(**kwargs)


@cache
def form_class(form: FormDef) -> type[FlaskForm]:
    attributes = {}
    for spec in form.entered_fields:
        attributes[spec.name] = _input(spec)
        attributes[spec.name + MISSING_SUFFIX] = SelectField(
            "Reason left blank", choices=choices(MISSING_REASONS, "-"), validate_choice=True, validators=[Optional()]
        )
    attributes["form_version"] = HiddenField()
    attributes["revision"] = HiddenField()
    attributes["confirm"] = HiddenField()
    attributes["reason_code"] = SelectField("Reason for change", choices=choices(REASONS_FOR_CHANGE, "- choose -"), validators=[Optional()])
    attributes["reason_text"] = TextAreaField("Explain the change", validators=[Optional(), _plain_text])
    return type(f"{form.key.title()}Form", (FlaskForm,), attributes)


def html_input_type(spec: Field) -> str:
    return {"date": "date", "datetime": "datetime-local", "time": "time"}.get(spec.type, "text")


def input_mode(spec: Field) -> str | None:
    return {"integer": "numeric", "decimal": "decimal"}.get(spec.type)
