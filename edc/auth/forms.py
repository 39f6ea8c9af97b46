"""Login, second factor, enrolment, password and attestation forms (syntax only; rules live in
:mod:`edc.services.accounts`)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired("Enter your username."), Length(max=64)])
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=1024)])


class CodeForm(FlaskForm):
    code = StringField(
        "Authenticator code or recovery code",
        validators=[DataRequired("Enter the 6-digit code from your authenticator app, or a recovery code."), Length(max=32)],
    )


class EnrolForm(FlaskForm):
    code = StringField("6-digit code from the app", validators=[DataRequired("Enter the 6-digit code your app shows."), Length(max=16)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password."), Length(max=1024)])
    new_password = PasswordField("New password", validators=[DataRequired("Enter a new password."), Length(max=1024)])
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired("Enter the new password again."), EqualTo("new_password", "The two new passwords differ.")],
    )


class AttestationForm(FlaskForm):
    accept = BooleanField("I accept this statement", validators=[InputRequired("Tick the box to accept the statement.")])


class ConfirmForm(FlaskForm):
    """A button-only form: carries the CSRF token."""


def attach_error(form: FlaskForm, error: Exception, field: str | None = None) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    name = field or getattr(error, "field", None)
    if name and name in form:
        form[name].errors = list(form[name].errors) + [str(error)]
    else:
        form.form_errors.append(str(error))
