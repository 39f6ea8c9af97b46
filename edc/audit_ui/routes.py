"""Audit trail views: study, subject, form and field; each as a page or a streamed CSV (``?format=csv``).

The blueprint is shared: the auditor's ledger pages register further routes on ``bp``.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, current_app, render_template, request, stream_with_context, url_for
from flask_login import current_user

from forms.registry import UnknownForm, get_form

from ..db import get_session
from ..permissions import requires
from ..services import audit_trail
from ..services.errors import PermissionDenied
from ..subjects.routes import load_subject
from ..wiring import ledger_config

bp = Blueprint("audit_ui", __name__, url_prefix="/audit")

PAGE_ROWS = 200
SLOT = "/<event_key>/<int:event_repeat>/<form_key>/<int:repeat_no>"


def _filters(**fixed) -> audit_trail.TrailFilters:
    args = request.args
    values = {
        "subject": args.get("subject") or None, "form": args.get("form") or None, "field": args.get("field") or None,
        "action": args.get("action") or None, "actor": args.get("actor") or None,
        "date_from": audit_trail.parse_date(args.get("date_from")), "date_to": audit_trail.parse_date(args.get("date_to")),
    }
    values.update(fixed)
    return audit_trail.TrailFilters(**values)


def _zone() -> str:
    return current_app.config["EDC_SITE_TIMEZONE"]


def _csv(filters: audit_trail.TrailFilters, label: str) -> Response:
    session = get_session()
    chunks = audit_trail.csv_chunks(session, current_user, filters, default_zone=_zone(), ledger=ledger_config(),
                                    scope_label=label)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", label)
    return Response(stream_with_context(chunks), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-trail-{safe}.csv"'})


def _view(filters: audit_trail.TrailFilters, *, title: str, label: str, subject=None, fixed: tuple[str, ...] = ()):
    session = get_session()
    try:
        audit_trail.visible_site_codes(session, current_user)
        if subject is not None:
            audit_trail.check_subject_access(session, current_user, subject)
    except PermissionDenied:
        abort(403)
    if request.args.get("format") == "csv":
        return _csv(filters, label)
    after = request.args.get("after", type=int) or 0
    rows = audit_trail.trail(session, current_user, filters, default_zone=_zone(), limit=PAGE_ROWS, after=after)
    more = len(rows) >= PAGE_ROWS
    args = {k: v for k, v in request.args.items() if k not in ("after", "format")}
    return render_template(
        "audit_ui/trail.html", rows=rows, title=title, subject=subject, filters=request.args, fixed=fixed,
        csv_url=url_for(request.endpoint, **request.view_args, **args, format="csv"),
        next_url=url_for(request.endpoint, **request.view_args, **args, after=rows[-1].seq) if more and rows else None,
    )


@bp.get("/")
@requires("audit.trail")
def trail():
    return _view(_filters(), title="Audit trail: whole study", label="study")


@bp.get("/subjects/<code>")
@requires("audit.trail")
def subject_trail(code: str):
    subject = load_subject(code)
    return _view(_filters(subject=subject.code), title=f"Audit trail: {subject.code}", label=subject.code,
                 subject=subject, fixed=("subject",))


def _form_title(form_key: str) -> str:
    try:
        return get_form(form_key).title
    except UnknownForm:
        abort(404)


@bp.get("/subjects/<code>/forms" + SLOT)
@requires("audit.trail")
def form_trail(code: str, event_key: str, event_repeat: int, form_key: str, repeat_no: int):
    subject = load_subject(code)
    instance = f"{event_key}.{event_repeat}/{form_key}.{repeat_no}"
    title = f"Audit trail: {subject.code} {_form_title(form_key)} ({instance})"
    return _view(_filters(subject=subject.code, instance=instance), title=title, label=f"{subject.code}-{instance}",
                 subject=subject, fixed=("subject", "form"))


@bp.get("/subjects/<code>/forms" + SLOT + "/fields/<field>")
@requires("audit.trail")
def field_trail(code: str, event_key: str, event_repeat: int, form_key: str, repeat_no: int, field: str):
    subject = load_subject(code)
    try:
        form = get_form(form_key)
    except UnknownForm:
        abort(404)
    if field not in {spec.name for spec in form.fields}:
        abort(404)
    instance = f"{event_key}.{event_repeat}/{form_key}.{repeat_no}"
    title = f"Audit trail: {subject.code} {form.title} ({instance}), field {form.field(field).label}"
    return _view(_filters(subject=subject.code, instance=instance, field=field), title=title,
                 label=f"{subject.code}-{instance}-{field}", subject=subject, fixed=("subject", "form", "field"))
