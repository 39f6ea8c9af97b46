"""Every eCRF page, built from its declaration: adding a form never adds a view."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from forms.core import Finding
from forms.schedule import belongs, event

from ..db import get_session, transaction
from ..permissions import requires, user_can
from ..services import crf as crf_service
from ..models.monitoring import SIGNATURE_MEANINGS
from ..services import queries as query_service
from ..services import sdv as sdv_service
from ..services import signatures as signature_service
from ..services.errors import DomainError, EntryRefused, NotFound, StaleRecord
from ..subjects.routes import load_subject
from ..wiring import ledger_config
from .extras import form_extras, grade_definitions
from .wtf import MISSING_SUFFIX, form_class, html_input_type, input_mode

bp = Blueprint("crf", __name__, url_prefix="/subjects/<code>/forms")

SLOT = "/<event_key>/<int:event_repeat>/<form_key>/<int:repeat_no>"


def _slot(event_key: str, event_repeat: int, form_key: str, repeat_no: int) -> crf_service.Slot:
    if not belongs(event_key, form_key) or event_repeat < 1 or repeat_no < 1:
        abort(404)
    spec = event(event_key)
    if not spec.repeating and event_repeat != 1:
        abort(404)
    if spec.max_repeats and event_repeat > spec.max_repeats:
        abort(404)
    return crf_service.Slot(event_key, event_repeat, form_key, repeat_no)


def _submitted(form_def, wtform) -> tuple[dict, dict]:
    data = {spec.name: wtform[spec.name].data for spec in form_def.entered_fields}
    missing = {spec.name: wtform[spec.name + MISSING_SUFFIX].data for spec in form_def.entered_fields
               if wtform[spec.name + MISSING_SUFFIX].data}
    return data, missing


def _posted_number(raw: str | None) -> int | None:
    """A hidden revision or form version as posted: ``None`` when absent, -1 when it is not plain
    ASCII digits (it then matches no record, so the save is refused as stale instead of crashing)."""
    if raw is None or raw == "":
        return None
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else -1


def _findings_by_field(findings: list[Finding]) -> dict[str, list[Finding]]:
    by_field: dict[str, list[Finding]] = {}
    for finding in findings:
        for name in finding.fields or ("",):
            by_field.setdefault(name, []).append(finding)
    return by_field


def _render(subject, slot, form_def, instance, wtform, *, hard=(), soft=(), criteria=(), changes=None, status=200):
    session = get_session()
    queries = query_service.for_instance(session, instance)
    sdv_state = sdv_service.form_state(session, instance) if instance is not None else None
    manifestations = signature_service.covering(session, subject, instance) if instance is not None else []
    return render_template(
        "crf/form.html", subject=subject, slot=slot, form_def=form_def, instance=instance, wtform=wtform,
        event_title=event(slot.event_key).title(slot.event_repeat),
        hard=_findings_by_field(list(hard)), soft=_findings_by_field(list(soft)), criteria=list(criteria), changes=changes,
        derived=crf_service.derived_values(instance), queries=queries, sdv_state=sdv_state,
        derived_labels={f.name: f.label for f in form_def.fields if f.derived},
        manifestations=manifestations, meanings=SIGNATURE_MEANINGS,
        missing_suffix=MISSING_SUFFIX, html_input_type=html_input_type, input_mode=input_mode,
        may_edit=user_can(current_user, "crf.enter", subject.site_id),
        may_query=user_can(current_user, "query.open", subject.site_id),
        **form_extras(get_session(), form_def.key, instance),
    ), status


@bp.get(SLOT)
@requires("subject.view")
def form(code, event_key, event_repeat, form_key, repeat_no):
    subject = load_subject(code)
    slot = _slot(event_key, event_repeat, form_key, repeat_no)
    session = get_session()
    form_def, instance = crf_service.instance_for_view(session, subject, slot)
    stored = crf_service.current_values(instance)
    wtform = form_class(form_def)(formdata=None)
    for spec in form_def.entered_fields:
        row = stored.get(spec.name)
        wtform[spec.name].data = row.value if row else None
        wtform[spec.name + MISSING_SUFFIX].data = row.missing_reason if row else ""
    wtform.form_version.data = str(form_def.version)
    wtform.revision.data = str(instance.revision if instance else 0)
    soft, criteria = [], []
    if instance is not None and not instance.removed:
        evaluation = crf_service.evaluate_for_subject(session, subject, form_def, slot, {k: v.value for k, v in stored.items()}, instance)
        soft, criteria = evaluation.soft, evaluation.criteria_not_met
    return _render(subject, slot, form_def, instance, wtform, soft=soft, criteria=criteria)


@bp.post(SLOT)
@requires("crf.enter")
def save(code, event_key, event_repeat, form_key, repeat_no):
    subject = load_subject(code, "crf.enter")
    slot = _slot(event_key, event_repeat, form_key, repeat_no)
    session = get_session()
    form_def, instance = crf_service.instance_for_view(session, subject, slot)
    wtform = form_class(form_def)()
    if not wtform.validate():
        unmarked = [error for name in ("reason_code", "reason_text") for error in wtform[name].errors]
        flash(" ".join(["Some values are not in the expected format. Nothing was saved; correct the marked fields.", *unmarked]), "error")
        return _render(subject, slot, form_def, instance, wtform, status=422)
    data, missing = _submitted(form_def, wtform)
    confirmed = wtform.confirm.data == "yes"
    try:
        with transaction(session):
            result = crf_service.save_form(
                session, ledger_config(), current_user, subject, slot, data, missing,
                reason_code=wtform.reason_code.data if confirmed else None,
                reason_text=wtform.reason_text.data if confirmed else None,
                expected_revision=_posted_number(wtform.revision.data),
                form_version=_posted_number(wtform.form_version.data),
            )
    except crf_service.HardCheckFailed as error:
        flash("The form was not saved: a protocol check failed. See the marked fields.", "error")
        return _render(subject, slot, form_def, instance, wtform, hard=error.findings, status=422)
    except crf_service.ReasonRequired as error:
        if confirmed:
            flash("Choose a reason for change and explain it.", "error")
        return _render(subject, slot, form_def, instance, wtform, changes=error.changes, status=200 if not confirmed else 422)
    except (EntryRefused, StaleRecord) as error:
        flash(str(error), "error")
        return _render(subject, slot, form_def, instance, wtform, status=409)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(str(error), "error")
        return _render(subject, slot, form_def, instance, wtform, status=403)
    if not result.changes:
        flash("No change to save.", "success")
    else:
        soft = len(result.evaluation.soft)
        note = f" {soft} check{'s' if soft != 1 else ''} need{'s' if soft == 1 else ''} attention: see the queries." if soft else ""
        flash(f"Saved {form_def.title}.{note}", "warning" if soft else "success")
    return redirect(url_for(".form", code=code, event_key=event_key, event_repeat=event_repeat, form_key=form_key, repeat_no=repeat_no))


def _act_on_instance(code, slot_args: tuple, action: str, act, done: str):
    """Load the saved instance of a slot, run ``act(session, subject, instance)`` in a transaction,
    flash ``done`` or the refusal, and return to the form page."""
    subject = load_subject(code, action)
    slot = _slot(*slot_args)
    session = get_session()
    instance = crf_service.find_instance(session, subject, slot)
    if instance is None:
        abort(404)
    try:
        with transaction(session):
            act(session, subject, instance)
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done, "success")
    return redirect(url_for(".form", code=code, event_key=slot.event_key, event_repeat=slot.event_repeat,
                            form_key=slot.form_key, repeat_no=slot.repeat_no))


@bp.post(SLOT + "/remove")
@requires("crf.enter")
def remove(code, event_key, event_repeat, form_key, repeat_no):
    reason = request.form.get("reason", "")
    return _act_on_instance(
        code, (event_key, event_repeat, form_key, repeat_no), "crf.enter",
        lambda session, subject, instance: crf_service.remove_form(session, ledger_config(), current_user, subject, instance, reason),
        "The form was removed (kept in the record and the audit trail).",
    )


@bp.post(SLOT + "/queries")
@requires("query.open")
def open_query(code, event_key, event_repeat, form_key, repeat_no):
    field, text = request.form.get("field") or None, request.form.get("text", "")
    return _act_on_instance(
        code, (event_key, event_repeat, form_key, repeat_no), "query.open",
        lambda session, subject, instance: query_service.open_query(session, ledger_config(), current_user, subject,
                                                                     instance, field, text),
        "Query opened; the site will see it on their home page.",
    )


@bp.get("/dictionary/grades")
@requires("subject.view")
def dictionary_grades(code):
    """The grades defined for a CTCAE term, with their definitions (for the AE page's grade list)."""
    from flask import jsonify

    load_subject(code)
    return jsonify(grade_definitions(get_session(), request.args.get("term", "")))
