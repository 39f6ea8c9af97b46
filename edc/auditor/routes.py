"""The auditor's Ledger page and its actions (all under ``ledger.verify``)."""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..db import get_session, transaction
from ..permissions import requires
from ..services import ledger as ledger_service
from ..services import ledger_audit
from ..services.exports.ledger_bundle import produce_bundle_zip
from ..services.exports.record import stream
from ..wiring import ledger_config
from ..services import verification_runs as runs
from . import overview, proofs

bp = Blueprint("auditor", __name__, url_prefix="/auditor")


def run_store() -> runs.RunStore:
    return runs.RunStore(Path(current_app.instance_path) / runs.RUNS_FOLDER)


@bp.get("/ledger")
@requires("ledger.verify")
def ledger():
    session = get_session()
    checkpoint_rows, checkpoint_total = overview.checkpoints(session)
    return render_template(
        "auditor/ledger.html",
        entries=ledger_audit.entry_count(session),
        latest=checkpoint_rows[0] if checkpoint_rows else None,
        checkpoints=checkpoint_rows, checkpoint_total=checkpoint_total,
        keys=overview.key_history(session), recent_runs=run_store().recent(),
    )


@bp.post("/ledger/verify")
@requires("ledger.verify")
def start_verification():
    app = current_app._get_current_object()
    url = app.config["EDC_DATABASE_URL"]
    engine = app.extensions["edc_engine"]
    run_id = runs.start_run(run_store(), lambda: runs.reader_engine(url, engine), current_user.printed_name)
    return redirect(url_for(".verification", run_id=run_id))


def _run_or_404(run_id: str) -> dict:
    try:
        return run_store().read(run_id)
    except runs.UnknownRun:
        abort(404)


@bp.get("/ledger/verify/<run_id>")
@requires("ledger.verify")
def verification(run_id: str):
    return render_template("auditor/verification.html", run=_run_or_404(run_id))


@bp.get("/ledger/verify/<run_id>/status")
@requires("ledger.verify")
def verification_status(run_id: str):
    return jsonify(_run_or_404(run_id))


@bp.post("/checkpoints")
@requires("ledger.verify")
def sign_checkpoint():
    session = get_session()
    with transaction(session):
        row = ledger_service.make_checkpoint(session, ledger_config())
    flash(f"Signed a checkpoint over {row.size} entries. Copy it and keep it outside this system.", "success")
    return redirect(url_for(".ledger") + "#latest-checkpoint")


@bp.get("/checkpoints/latest")
@requires("ledger.verify")
def latest_checkpoint():
    row = ledger_service.latest_checkpoint(get_session())
    if row is None:
        abort(404)
    return Response(row.note, mimetype="text/plain; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="checkpoint-{row.size}.txt"'})


@bp.post("/proof")
@requires("ledger.verify")
def proof():
    session = get_session()
    seq = request.form.get("seq", type=int)
    subject = (request.form.get("subject") or "").strip() or None
    instance = (request.form.get("instance") or "").strip() or None
    if seq is not None:
        seqs, what = [seq], f"entry {seq}"
    elif subject:
        seqs = proofs.entries_of(session, subject, instance)
        what = f"{subject} {instance}" if instance else f"subject {subject}"
    else:
        flash("Give an entry number, or a subject (and optionally a form instance).", "error")
        return redirect(url_for(".ledger") + "#proofs")
    if not seqs:
        flash(f"The ledger holds no entries of {what}.", "error")
        return redirect(url_for(".ledger") + "#proofs")
    try:
        with transaction(session):
            documents = proofs.proof_documents(session, ledger_config(), seqs)
    except LookupError as error:
        flash(f"{error}.", "error")
        return redirect(url_for(".ledger") + "#proofs")
    if len(documents) == 1:
        return Response(json.dumps(documents[0], indent=2) + "\n", mimetype="application/json", headers={
            "Content-Disposition": f'attachment; filename="proof-{documents[0]["seq"]}.json"'})
    name = "proofs-" + "-".join(part.replace("/", "_") for part in (subject, instance) if part) + ".zip"
    return Response(proofs.proofs_zip(documents, what), mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.post("/consistency")
@requires("ledger.verify")
def consistency():
    note = request.form.get("checkpoint") or ""
    result = proofs.check_kept_checkpoint(get_session(), note, ledger_config().origin)
    return render_template("auditor/consistency.html", result=result, note=note)


@bp.post("/bundle")
@requires("ledger.verify")
def bundle():
    session = get_session()
    with transaction(session):
        produced = produce_bundle_zip(session, ledger_config(), current_user)
    return Response(stream(produced.handle), mimetype=produced.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{produced.filename}"',
        "Content-Length": str(produced.size), "X-Content-SHA256": produced.sha256,
    })
