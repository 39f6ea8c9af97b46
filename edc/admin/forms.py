"""Administration forms (syntax only; the account rules live in :mod:`edc.services.accounts`)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from ..models import ROLE_LABELS, ROLES

ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS[role]) for role in ROLES]
STUDY_WIDE = "Study-wide (administrators, data managers, auditors)"


def site_choices(sites) -> list[SelectChoice]:
    return [SelectChoice("", STUDY_WIDE)] + [SelectChoice(str(site.id), f"{site.code} - {site.name}") for site in sites]


class CreateUserForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter a username."), Length(max=64)])
    printed_name = StringField("Full printed name", validators=[DataRequired("Enter the full printed name."), Length(max=200)])
    email = StringField("E-mail", validators=[DataRequired("Enter an e-mail address."), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role.")])
    site = SelectField("Site", choices=[], validate_choice=True)


class ProfileForm(FlaskForm):
    printed_name = StringField("Full printed name", validators=[DataRequired("Enter the full printed name."), Length(max=200)])
    email = StringField("E-mail", validators=[DataRequired("Enter an e-mail address."), Length(max=200)])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[DataRequired("Choose a role.")])
    site = SelectField("Site", choices=[], validate_choice=True)


class TrainingForm(FlaskForm):
    course = StringField("Course", validators=[DataRequired("Enter the course."), Length(max=200)])
    completed_on = DateField("Completed on", validators=[DataRequired("Enter the completion date (YYYY-MM-DD).")])
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=2000)])


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])


class SiteForm(FlaskForm):
    code = StringField("Site code", validators=[DataRequired("Enter the site code."), Length(max=16)])
    name = StringField("Site name", validators=[DataRequired("Enter the site name."), Length(max=200)])
    timezone = StringField("Time zone", default="Asia/Tehran", validators=[DataRequired("Enter the time zone."), Length(max=64)])


class SiteEditForm(FlaskForm):
    name = StringField("Site name", validators=[DataRequired("Enter the site name."), Length(max=200)])
    timezone = StringField("Time zone", validators=[DataRequired("Enter the time zone."), Length(max=64)])
