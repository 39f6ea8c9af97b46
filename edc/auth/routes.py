"""Login (password, then TOTP or a recovery code), first-login enrolment, logout, own password and
the e-signature attestation.  Views are thin: they parse, call one service, and render."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from ..db import get_session, transaction
from ..models import User
from ..permissions import AUTHENTICATED, PUBLIC, requires
from ..services import accounts, totp
from ..services.accounts import AccountError
from ..services.passwords import PasswordPolicy, password_expired
from ..wiring import ledger_config
from .forms import AttestationForm, ChangePasswordForm, CodeForm, EnrolForm, LoginForm, attach_error

bp = Blueprint("auth", __name__)

PENDING_KEY = "pending_login"
PENDING_MINUTES = 5
LOGIN_REFUSED = (
    "Login refused: the username or password is not correct, or the account cannot be used. "
    "After repeated failures an account is locked until an administrator unlocks it."
)
CODE_REFUSED = "That code was not accepted. Codes can be used only once: wait for the next code and try again."
EXPIRED_MESSAGES = {
    "idle": "You were logged out after a period of inactivity. Please log in again.",
    "absolute": "Your session reached its maximum length. Please log in again.",
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _client() -> str | None:
    return request.remote_addr


def _threshold() -> int:
    return int(current_app.config["EDC_LOCKOUT_THRESHOLD"])


def _fingerprint_key() -> bytes:
    return hashlib.sha256(b"edc-login-username:" + str(current_app.config["SECRET_KEY"]).encode()).digest()


def _pending_user() -> User | None:
    """The account that passed the password step in this browser within the last few minutes."""
    pending = session.get(PENDING_KEY)
    if not pending:
        return None
    if _now() - datetime.fromisoformat(pending["at"]) > timedelta(minutes=PENDING_MINUTES):
        session.pop(PENDING_KEY, None)
        return None
    user = get_session().get(User, pending["user_id"])
    return user if accounts.can_log_in(user) else None


def _restart_login(message: str = LOGIN_REFUSED):
    session.pop(PENDING_KEY, None)
    flash(message, "error")
    return redirect(url_for("auth.login"))


def _complete_login(user: User) -> None:
    """Rotate the session (no fixation: nothing from before the login survives) and log in."""
    session.clear()
    login_user(user)
    moment = _now().isoformat()
    session["login_at"] = moment
    session["last_seen"] = moment


@bp.route("/login", methods=["GET", "POST"])
@requires(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    refused = None
    if form.validate_on_submit():
        db = get_session()
        with transaction(db):
            user = accounts.verify_login_password(
                db, ledger_config(), form.username.data, form.password.data,
                fingerprint_key=_fingerprint_key(), lockout_threshold=_threshold(), client_address=_client(),
            )
        if user is not None:
            session.clear()
            session[PENDING_KEY] = {"user_id": user.id, "at": _now().isoformat()}
            return redirect(url_for("auth.enrol" if not user.totp_confirmed else "auth.second_factor"))
        refused = LOGIN_REFUSED
    notice = EXPIRED_MESSAGES.get(request.args.get("expired", ""))
    status = 200 if refused is None and not form.errors else 400
    return render_template("auth/login.html", form=form, refused=refused, notice=notice, title="Log in"), status


@bp.route("/login/code", methods=["GET", "POST"])
@requires(PUBLIC)
def second_factor():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = _pending_user()
    if user is None:
        return _restart_login("Please log in with your username and password first.")
    if not user.totp_confirmed:
        return redirect(url_for("auth.enrol"))
    form = CodeForm()
    if form.validate_on_submit():
        db = get_session()
        with transaction(db):
            method = accounts.verify_second_factor(
                db, ledger_config(), user, form.code.data, lockout_threshold=_threshold(), client_address=_client(),
            )
            if method:
                accounts.record_login(db, ledger_config(), user, method=method, client_address=_client())
                left = accounts.recovery_codes_left(db, user)
        if method:
            _complete_login(user)
            if method == "recovery_code":
                flash(f"Recovery code used. {left} recovery codes are left; ask an administrator to reset your "
                      "authenticator if you lost your device.", "warning")
            return redirect(url_for("home.index"))
        if not accounts.can_log_in(user):
            return _restart_login()
        form.code.errors = [CODE_REFUSED]
    status = 400 if form.errors else 200
    return render_template("auth/code.html", form=form, title="Authenticator code"), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@requires(PUBLIC)
def enrol():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = _pending_user()
    if user is None:
        return _restart_login("Please log in with your username and password first.")
    if user.totp_confirmed:
        return redirect(url_for("auth.second_factor"))
    db = get_session()
    form = EnrolForm()
    if form.validate_on_submit():
        with transaction(db):
            codes = accounts.confirm_totp_enrolment(
                db, ledger_config(), user, form.code.data, lockout_threshold=_threshold(), client_address=_client(),
            )
            if codes:
                accounts.record_login(db, ledger_config(), user, method="totp_enrolment", client_address=_client())
        if codes:
            _complete_login(user)
            return render_template("auth/recovery_codes.html", codes=codes, title="Your recovery codes")
        if not accounts.can_log_in(user):
            return _restart_login()
        form.code.errors = [CODE_REFUSED]
    with transaction(db):
        secret = accounts.start_totp_enrolment(db, ledger_config(), user, client_address=_client())
    uri = totp.provisioning_uri(secret, user.username, current_app.config["EDC_TOTP_ISSUER"])
    status = 400 if form.errors else 200
    return render_template(
        "auth/enrol.html", form=form, secret=secret, qr=totp.qr_svg_data_uri(uri), title="Set up your authenticator",
    ), status


@bp.post("/logout")
@requires(AUTHENTICATED)
def logout():
    db = get_session()
    with transaction(db):
        accounts.record_logout(db, ledger_config(), current_user, client_address=_client())
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires(AUTHENTICATED)
def change_password():
    form = ChangePasswordForm()
    policy = PasswordPolicy.from_config(current_app.config)
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.change_password(
                    db, ledger_config(), current_user, current_password=form.current_password.data,
                    new_password=form.new_password.data, policy=policy, client_address=_client(),
                )
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Your password was changed.", "success")
            return redirect(url_for("home.index"))
    reason = None
    if current_user.must_change_password:
        reason = "You must choose a new password before you continue."
    elif password_expired(current_user.password_changed_at, policy.expiry_days, _now()):
        reason = "Your password has expired: choose a new one before you continue."
    status = 400 if form.errors or form.form_errors else 200
    return render_template("auth/change_password.html", form=form, reason=reason, policy=policy, title="Change password"), status


@bp.route("/account/attestation", methods=["GET", "POST"])
@requires(AUTHENTICATED)
def attestation():
    form = AttestationForm()
    if current_user.attestation_accepted_at is None and current_user.trainings and form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.accept_attestation(db, ledger_config(), current_user, client_address=_client())
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Thank you: your attestation is recorded.", "success")
            return redirect(url_for("home.index"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "auth/attestation.html", form=form, statement=accounts.ATTESTATION_TEXT, title="E-signature attestation",
    ), status

