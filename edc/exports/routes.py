"""Exports page and downloads: ODM, CSV zip, printable casebook (all under ``export.data``).

Downloads are POSTs (each one writes its ``export.*`` ledger entry, so they carry the CSRF token);
the file is produced and hashed, the entry committed, then the file is streamed.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from audit.entry import Entry

from ..db import get_session, transaction
from ..models import LedgerEntry
from ..permissions import requires, user_can
from ..services.errors import DomainError, NotFound, PermissionDenied
from ..services.exports import casebook as casebook_builder
from ..services.exports import csv_export, odm
from ..services.exports.dataset import IDENTIFIER_MODES, export_subject_codes, load_subjects, policy_for
from ..services.exports.record import ProducedFile, checkpoint_covering_head, record_export, spool, stream
from ..wiring import ledger_config

bp = Blueprint("exports", __name__, url_prefix="/exports")


def _stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _download(produced: ProducedFile) -> Response:
    return Response(stream(produced.handle), mimetype=produced.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{produced.filename}"',
        "Content-Length": str(produced.size), "X-Content-SHA256": produced.sha256,
    })


def _policy():
    return policy_for(current_user, request.form.get("identifiers"), current_app.config["SECRET_KEY"])


def _refused(error: DomainError):
    if isinstance(error, PermissionDenied):
        abort(403)
    if isinstance(error, NotFound):
        abort(404)
    flash(str(error), "error")
    return redirect(url_for(".index"))


@bp.get("/")
@requires("export.data")
def index():
    session = get_session()
    recent = session.execute(
        select(LedgerEntry.body).where(LedgerEntry.action.like("export.%")).order_by(LedgerEntry.seq.desc()).limit(20)
    ).scalars()
    modes = {k: v for k, v in IDENTIFIER_MODES.items() if k != "identified" or user_can(current_user, "export.identified")}
    return render_template("exports/index.html", subjects=export_subject_codes(session, current_user), modes=modes,
                           recent=[entry for entry in map(_readable, recent) if entry is not None])


def _readable(body: bytes) -> Entry | None:
    """A ledger entry for the recent-exports list; an unreadable one is the verifier's business."""
    try:
        return Entry.from_bytes(bytes(body))
    except ValueError:
        return None


@bp.post("/odm")
@requires("export.data")
def odm_download():
    session = get_session()
    code = (request.form.get("subject") or "").strip() or None
    try:
        with transaction(session):
            policy = _policy()
            subjects = load_subjects(session, current_user, policy, code)
            tree = odm.build_odm(session, subjects, policy, single_subject=code is not None)
            produced = spool(lambda handle: odm.write_odm(tree, handle),
                             f"nk-edc-odm-{code or 'study'}-{_stamp()}.xml", "application/xml")
            record_export(session, ledger_config(), current_user, "odm", produced,
                          subject=subjects[0].subject if code else None,
                          details={"identifiers": policy.mode, "subjects": len(subjects)})
    except DomainError as error:
        return _refused(error)
    return _download(produced)


@bp.post("/csv")
@requires("export.data")
def csv_download():
    session = get_session()
    try:
        with transaction(session):
            policy = _policy()
            subjects = load_subjects(session, current_user, policy)
            produced = spool(lambda handle: csv_export.write_csv_zip(subjects, policy, handle),
                             f"nk-edc-csv-{_stamp()}.zip", "application/zip")
            record_export(session, ledger_config(), current_user, "csv", produced,
                          details={"identifiers": policy.mode, "subjects": len(subjects)})
    except DomainError as error:
        return _refused(error)
    return _download(produced)


@bp.post("/casebook")
@requires("export.data")
def casebook():
    session = get_session()
    code = (request.form.get("subject") or "").strip()
    if not code:
        flash("Choose the subject whose casebook you want.", "error")
        return redirect(url_for(".index"))
    try:
        with transaction(session):
            policy = _policy()
            subject = load_subjects(session, current_user, policy, code, include_removed=True)[0]
            config = ledger_config()
            checkpoint = checkpoint_covering_head(session, config)
            book = casebook_builder.build_casebook(session, subject, policy, checkpoint, current_user.printed_name,
                                                   datetime.now(timezone.utc))
            html = render_template("exports/casebook.html", book=book)
            produced = spool(lambda handle: handle.write(html.encode("utf-8")),
                             f"casebook-{code}-{_stamp()}.html", "text/html")
            record_export(session, config, current_user, "casebook", produced, subject=subject.subject, details={
                "identifiers": policy.mode, "checkpoint_size": checkpoint.size,
                "checkpoint_root": checkpoint.root_hash.hex(),
            })
    except DomainError as error:
        return _refused(error)
    return _download(produced)
