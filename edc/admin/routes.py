"""Administration: users, their site roles and training, and sites.  Each action calls one service
of :mod:`edc.services.accounts`, which also writes the ledger."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.forms import attach_error
from ..db import get_session, transaction
from ..models import Site, SiteRole, User
from ..permissions import requires
from ..services import accounts
from ..services.accounts import AccountError
from ..wiring import ledger_config
from .forms import CreateUserForm, ProfileForm, ReasonForm, RoleForm, SiteEditForm, SiteForm, TrainingForm, site_choices

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _client() -> str | None:
    return request.remote_addr


def _sites() -> list[Site]:
    return list(get_session().execute(select(Site).order_by(Site.code)).scalars())


def _site_or_none(raw: str | None) -> Site | None:
    return get_session().get(Site, int(raw)) if raw else None


def _user_or_404(user_id: int) -> User:
    user = get_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user: User, status: int = 200, **forms):
    sites = _sites()
    profile = forms.get("profile") or ProfileForm(formdata=None, obj=user)
    role = forms.get("role") or RoleForm(formdata=None)
    role.site.choices = site_choices(sites)
    training = forms.get("training") or TrainingForm(formdata=None)
    return render_template(
        "admin/user.html", user=user, profile=profile, role_form=role, training=training, reason=ReasonForm(formdata=None),
        title=f"User {user.username}",
    ), status


# --- users -----------------------------------------------------------------------------------------

@bp.get("/users")
@requires("user.manage")
def users():
    rows = get_session().execute(select(User).order_by(User.username)).scalars().all()
    return render_template("admin/users.html", users=rows, title="Users")


@bp.route("/users/new", methods=["GET", "POST"])
@requires("user.manage")
def create_user():
    form = CreateUserForm()
    form.site.choices = site_choices(_sites())
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                user, temporary = accounts.create_user(
                    db, ledger_config(), current_user, username=form.username.data, printed_name=form.printed_name.data,
                    email=form.email.data, role=form.role.data, site=_site_or_none(form.site.data), client_address=_client(),
                )
        except AccountError as error:
            attach_error(form, error)
        else:
            return render_template("admin/password_shown.html", user=user, password=temporary, created=True,
                                   title="Account created")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/user_new.html", form=form, title="New user"), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("user.manage")
def user(user_id: int):
    target = _user_or_404(user_id)
    if request.method == "GET":
        return _user_page(target)
    form = ProfileForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.update_profile(db, ledger_config(), current_user, target, printed_name=form.printed_name.data,
                                        email=form.email.data, client_address=_client())
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Profile saved.", "success")
            return redirect(url_for("admin.user", user_id=target.id))
    get_session().refresh(target)
    return _user_page(target, 400, profile=form)


def _act_on_user(user_id: int, action, done: str, **kwargs):
    """Run a button-only action on a user and flash the outcome; the result is None when refused."""
    target = _user_or_404(user_id)
    if not ReasonForm().validate_on_submit():
        abort(400)
    db = get_session()
    try:
        with transaction(db):
            result = action(db, ledger_config(), current_user, target, client_address=_client(), **kwargs)
    except AccountError as error:
        flash(str(error), "error")
        return target, None
    flash(done.format(username=target.username), "success")
    return target, result


def _reason() -> str | None:
    return (request.form.get("reason") or "").strip() or None


@bp.post("/users/<int:user_id>/deactivate")
@requires("user.manage")
def deactivate(user_id: int):
    _act_on_user(user_id, accounts.deactivate_user, "{username} is deactivated.", reason=_reason())
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/reactivate")
@requires("user.manage")
def reactivate(user_id: int):
    _act_on_user(user_id, accounts.reactivate_user, "{username} is active again.", reason=_reason())
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/unlock")
@requires("user.manage")
def unlock(user_id: int):
    _act_on_user(user_id, accounts.unlock_user, "{username} is unlocked.")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/reset-totp")
@requires("user.manage")
def reset_totp(user_id: int):
    _act_on_user(user_id, accounts.reset_totp, "{username} will set up a new authenticator at the next login.")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.post("/users/<int:user_id>/reset-password")
@requires("user.manage")
def reset_password(user_id: int):
    target, temporary = _act_on_user(user_id, accounts.reset_password, "A temporary password was set for {username}.")
    if temporary is None:
        return redirect(url_for("admin.user", user_id=user_id))
    return render_template("admin/password_shown.html", user=target, password=temporary, created=False,
                           title="Temporary password")


@bp.post("/users/<int:user_id>/roles")
@requires("user.manage")
def assign_role(user_id: int):
    target = _user_or_404(user_id)
    form = RoleForm()
    form.site.choices = site_choices(_sites())
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.assign_role(db, ledger_config(), current_user, target, role=form.role.data,
                                     site=_site_or_none(form.site.data), client_address=_client())
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Role assigned.", "success")
            return redirect(url_for("admin.user", user_id=target.id))
    get_session().refresh(target)
    return _user_page(target, 400, role=form)


@bp.post("/roles/<int:grant_id>/revoke")
@requires("user.manage")
def revoke_role(grant_id: int):
    grant = get_session().get(SiteRole, grant_id)
    if grant is None:
        abort(404)
    form = ReasonForm()
    if not form.validate_on_submit():
        abort(400)
    db = get_session()
    try:
        with transaction(db):
            accounts.revoke_role(db, ledger_config(), current_user, grant, client_address=_client())
    except AccountError as error:
        flash(str(error), "error")
    else:
        flash("Role revoked.", "success")
    return redirect(url_for("admin.user", user_id=grant.user_id))


@bp.post("/users/<int:user_id>/training")
@requires("user.manage")
def record_training(user_id: int):
    target = _user_or_404(user_id)
    form = TrainingForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.record_training(db, ledger_config(), current_user, target, course=form.course.data,
                                         completed_on=form.completed_on.data, notes=form.notes.data, client_address=_client())
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Training recorded.", "success")
            return redirect(url_for("admin.user", user_id=target.id))
    get_session().refresh(target)
    return _user_page(target, 400, training=form)


# --- sites -----------------------------------------------------------------------------------------

@bp.get("/sites")
@requires("site.manage")
def sites():
    return render_template("admin/sites.html", sites=_sites(), title="Sites")


@bp.route("/sites/new", methods=["GET", "POST"])
@requires("site.manage")
def create_site():
    form = SiteForm()
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.create_site(db, ledger_config(), current_user, code=form.code.data, name=form.name.data,
                                     timezone_name=form.timezone.data, client_address=_client())
        except AccountError as error:
            attach_error(form, error)
        else:
            flash("Site created.", "success")
            return redirect(url_for("admin.sites"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/site_form.html", form=form, site=None, title="New site"), status


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@requires("site.manage")
def site(site_id: int):
    target = get_session().get(Site, site_id)
    if target is None:
        abort(404)
    form = SiteEditForm(obj=target)
    if form.validate_on_submit():
        db = get_session()
        try:
            with transaction(db):
                accounts.update_site(db, ledger_config(), current_user, target, name=form.name.data,
                                     timezone_name=form.timezone.data, client_address=_client())
        except AccountError as error:
            get_session().refresh(target)
            attach_error(form, error)
        else:
            flash("Site saved.", "success")
            return redirect(url_for("admin.sites"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("admin/site_form.html", form=form, site=target, title=f"Site {target.code}"), status
