"""Subject list per site, registration, and the casebook grid."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.registry import get_form

from ..db import get_session, transaction
from ..models import ARMS, SUBJECT_STATUSES, Site
from ..permissions import requires, site_ids_for
from ..services import subjects as subject_service
from ..services.records import restrict_to_sites
from ..services.errors import DomainError, NotFound
from ..wiring import ledger_config

bp = Blueprint("subjects", __name__, url_prefix="/subjects")


def load_subject(code: str, action: str = "subject.view"):
    try:
        return subject_service.get_subject(get_session(), current_user, code, action)
    except NotFound:
        abort(404)
    except DomainError:
        abort(403)


@bp.get("/")
@requires("subject.view")
def index():
    session = get_session()
    args = request.args
    subjects = subject_service.visible_subjects(
        session, current_user, site_id=args.get("site", type=int), status=args.get("status") or None,
        arm=args.get("arm") or None, search=args.get("q") or None,
    )
    visible_sites = site_ids_for(current_user, "subject.view")
    site_query = restrict_to_sites(select(Site).order_by(Site.code), Site.id, visible_sites)
    sites = list(session.execute(site_query).scalars())
    may_register = site_ids_for(current_user, "subject.register")
    register_sites = sites if may_register is None else [s for s in sites if s.id in may_register]
    return render_template("subjects/index.html", subjects=subjects, sites=sites, register_sites=register_sites,
                           statuses=SUBJECT_STATUSES, arms=ARMS, filters=args)


@bp.post("/register")
@requires("subject.register")
def register():
    session = get_session()
    site = session.get(Site, request.form.get("site_id", type=int) or 0)
    if site is None:
        flash("Choose the site where the subject is screened.", "error")
        return redirect(url_for(".index"))
    try:
        with transaction(session):
            subject = subject_service.register_subject(session, ledger_config(), current_user, site)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for(".index"))
    flash(f"Subject {subject.code} registered for screening. Capture guardian consent first.", "success")
    return redirect(url_for(".casebook", code=subject.code))


@bp.get("/<code>")
@requires("subject.view")
def casebook(code: str):
    subject = load_subject(code)
    rows = subject_service.casebook(get_session(), subject)
    return render_template("subjects/casebook.html", subject=subject, rows=rows, arms=ARMS, form_title=lambda k: get_form(k).title)


@bp.get("/<code>/timeline")
@requires("subject.view")
def timeline(code: str):
    from markupsafe import Markup

    from ..services import timeline as timeline_service

    subject = load_subject(code)
    session = get_session()
    points = timeline_service.points(session, subject)
    infusions = timeline_service.infusion_days(session, subject)
    return render_template("subjects/timeline.html", subject=subject, points=points, infusions=infusions,
                           series=timeline_service.SERIES, chart=Markup(timeline_service.svg(points, infusions)))
