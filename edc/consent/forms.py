"""Consent, withdrawal, eligibility and enrolment forms (syntax only; the rules live in the services)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField, DateField, HiddenField, PasswordField, SelectField, SelectMultipleField, StringField, TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forms.screening import CRITERIA

from ..models import ARMS
from ..models.consent import DOCUMENT_KINDS
from ..services.consent import ASSENT_OUTCOMES, OCCASIONS, RELATIONSHIPS, WITHDRAWAL_REQUESTERS, WITHDRAWAL_SCOPES
from ..services.eligibility import NON_CRITERION_REASONS
from ..services.enrolment import ALLOCATION_BASES


def _choices(mapping: dict[str, str], blank: str | None = "Choose...") -> list[SelectChoice]:
    return ([SelectChoice("", blank)] if blank is not None else []) + [SelectChoice(k, v) for k, v in mapping.items()]


class DocumentForm(FlaskForm):
    kind = SelectField("Document", choices=_choices(DOCUMENT_KINDS), validate_choice=False)
    version_label = StringField("Version label", validators=[DataRequired("Enter the version label."), Length(max=64)])
    language = StringField("Language", validators=[DataRequired("Enter the language."), Length(max=32)])
    ethics_reference = StringField("Ethics committee reference", validators=[DataRequired("Enter the ethics reference."), Length(max=64)])
    approval_date = DateField("Ethics approval date", validators=[DataRequired("Enter the approval date (YYYY-MM-DD).")])
    ethics_expiry_date = DateField("Ethics approval expires", validators=[Optional()])
    effective_date = DateField("Effective from", validators=[DataRequired("Enter the effective date (YYYY-MM-DD).")])
    retirement_date = DateField("Retired from", validators=[Optional()])
    document_file = FileField("Approved document (PDF)")
    document_text = TextAreaField("Or the document's text", validators=[Optional(), Length(max=200_000)])
    optional_items = TextAreaField("Optional yes/no items, one per line", validators=[Optional(), Length(max=3000)])


class RetireForm(FlaskForm):
    retirement_date = DateField("Retired from", validators=[DataRequired("Enter the retirement date (YYYY-MM-DD).")])
    reason = StringField("Reason", validators=[DataRequired("Give the reason."), Length(max=500)])


class ConsentForm(FlaskForm):
    document_id = SelectField("Guardian permission version shown", choices=[], validate_choice=False)
    occasion = SelectField("Occasion", choices=_choices(OCCASIONS), default="INITIAL", validate_choice=False)
    consent_date = DateField("Date signed", validators=[Optional()])
    consent_time = TimeField("Time signed (site time)", validators=[Optional()])
    child_birth_date = DateField("Child's date of birth", validators=[Optional()])
    guardian1_name = StringField("Guardian 1 full name", validators=[Optional(), Length(max=200)])
    guardian1_relationship = SelectField("Relationship to the child", choices=_choices(RELATIONSHIPS), validate_choice=False)
    guardian1_cannot_read = BooleanField("This guardian cannot read (an impartial witness attends)")
    guardian1_signature = HiddenField()
    guardian2_name = StringField("Guardian 2 full name", validators=[Optional(), Length(max=200)])
    guardian2_relationship = SelectField("Relationship to the child", choices=_choices(RELATIONSHIPS), validate_choice=False)
    guardian2_cannot_read = BooleanField("This guardian cannot read (an impartial witness attends)")
    guardian2_signature = HiddenField()
    witness_name = StringField("Impartial witness full name", validators=[Optional(), Length(max=200)])
    witness_signature = HiddenField()
    assent_outcome = SelectField("Child assent", choices=_choices(ASSENT_OUTCOMES, "Not needed / not asked"), validate_choice=False)
    child_name = StringField("Child's name (optional)", validators=[Optional(), Length(max=200)])
    child_signature = HiddenField()
    assent_reason = TextAreaField("Reason assent was not obtained", validators=[Optional(), Length(max=2000)])
    assent_justification = TextAreaField("Investigator's justification", validators=[Optional(), Length(max=2000)])
    copy_given = BooleanField("A copy of the signed form was given to the guardian")
    password = PasswordField("Your password", validators=[Optional(), Length(max=1024)])
    totp_code = StringField("A fresh code from your authenticator app", validators=[Optional(), Length(max=16)])


class WithdrawForm(FlaskForm):
    withdrawn_on = DateField("Date of withdrawal", validators=[Optional()])
    scope = SelectField("Withdrawal covers", choices=_choices(WITHDRAWAL_SCOPES), validate_choice=False)
    requested_by = SelectField("Withdrawn by", choices=_choices(WITHDRAWAL_REQUESTERS), validate_choice=False)
    reason = TextAreaField("Reason, if given", validators=[Optional(), Length(max=2000)])


class ConfirmEligibilityForm(FlaskForm):
    password = PasswordField("Your password", validators=[Optional(), Length(max=1024)])
    totp_code = StringField("A fresh code from your authenticator app", validators=[Optional(), Length(max=16)])


class EnrolForm(FlaskForm):
    arm = SelectField("Arm", choices=_choices(ARMS), validate_choice=False)
    basis_code = SelectField("Basis of the allocation", choices=_choices(ALLOCATION_BASES), validate_choice=False)
    basis_text = TextAreaField("Allocation basis, in words", validators=[Optional(), Length(max=2000)])


class ScreenFailureForm(FlaskForm):
    failed_on = DateField("Date", validators=[Optional()])
    criteria = SelectMultipleField(
        "Criteria not met / reasons",
        choices=[SelectChoice(c, c) for c in CRITERIA] + [SelectChoice(k, v) for k, v in NON_CRITERION_REASONS.items()],
        validate_choice=False,
    )
    reason = TextAreaField("Reason", validators=[Optional(), Length(max=2000)])
