"""Safety dashboard (SAE clocks) and the protocol-deviation log per site."""
from __future__ import annotations

import csv
import io
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..db import get_session, transaction
from ..models import Deviation
from ..permissions import requires
from ..services import deviations as deviation_service
from ..services import safety as safety_service
from ..services.errors import DomainError
from ..subjects.routes import load_subject
from ..wiring import ledger_config

bp = Blueprint("safety", __name__, url_prefix="/safety")


@bp.get("/")
@requires("safety.view")
def dashboard():
    return render_template("safety/dashboard.html", saes=safety_service.open_saes(get_session(), current_user))


@bp.get("/deviations")
@requires("deviation.view")
def deviations():
    rows = deviation_service.deviation_log(get_session(), current_user, request.args.get("site", type=int))
    return render_template("safety/deviations.html", rows=rows, categories=deviation_service.CATEGORIES)


@bp.get("/deviations.csv")
@requires("deviation.view")
def deviations_csv():
    rows = deviation_service.deviation_log(get_session(), current_user, request.args.get("site", type=int))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["site", "subject", "category", "description", "occurred_on", "automatic", "reported_to_ethics", "recorded_at_utc"])
    for deviation, subject, site in rows:
        writer.writerow([site.code, subject.code, deviation.category, deviation.description, deviation.occurred_on.isoformat(),
                         "Y" if deviation.automatic else "N", "Y" if deviation.reported_to_ethics else "N",
                         deviation.recorded_at.isoformat()])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=deviation-log.csv"})


@bp.post("/deviations")
@requires("deviation.record")
def record_deviation():
    form = request.form
    subject = load_subject(form.get("subject", ""), "deviation.record")
    try:
        occurred = date.fromisoformat(form.get("occurred_on", ""))
    except ValueError:
        flash("Enter the date of the deviation as YYYY-MM-DD.", "error")
        return redirect(url_for(".deviations"))
    if form.get("category") not in dict(deviation_service.CATEGORIES):
        flash("Choose a category.", "error")
        return redirect(url_for(".deviations"))
    session = get_session()
    try:
        with transaction(session):
            deviation_service.record_deviation(session, ledger_config(), current_user, subject, category=form["category"],
                                               description=form.get("description", ""), occurred_on=occurred,
                                               reported_to_ethics=form.get("reported") == "Y")
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash("Deviation recorded.", "success")
    return redirect(url_for(".deviations"))


@bp.post("/deviations/<int:deviation_id>/reported")
@requires("deviation.record")
def mark_reported(deviation_id: int):
    session = get_session()
    deviation = session.get(Deviation, deviation_id)
    if deviation is None:
        abort(404)
    try:
        with transaction(session):
            deviation_service.mark_reported(session, ledger_config(), current_user, deviation)
    except DomainError as error:
        flash(str(error), "error")
    return redirect(url_for(".deviations"))
