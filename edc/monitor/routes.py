"""Monitoring and data management pages: queries, SDV, e-signatures and locks.

Each POST declares its action with ``@requires`` (the request hook refuses other roles with 403) and
calls one service, which checks the role at the subject's site again.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from forms.registry import get_form
from forms.schedule import event as event_def

from ..db import get_session, transaction
from ..models import FormInstance, Lock, Site, Subject
from ..models.monitoring import QUERY_STATES, SIGNATURE_MEANINGS
from ..permissions import requires, site_ids_for, user_can
from ..services import crf as crf_service
from ..services import gates
from ..services import locks as lock_service
from ..services import queries as query_service
from ..services import sdv as sdv_service
from ..services import signatures as signature_service
from ..services.errors import DomainError, NotFound, PermissionDenied
from ..services.reauth import ReauthenticationFailed
from ..subjects.routes import load_subject
from ..wiring import ledger_config
from ..services.records import restrict_to_sites

bp = Blueprint("monitor", __name__, url_prefix="/monitor")


def _now() -> datetime:
    clock = current_app.config.get("EDC_CLOCK")
    return clock() if clock else datetime.now(timezone.utc)


def _sites(action: str) -> list[Site]:
    visible = site_ids_for(current_user, action)
    statement = select(Site).order_by(Site.code)
    statement = restrict_to_sites(statement, Site.id, visible)
    return list(get_session().execute(statement).scalars())


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _form_url(subject: Subject, instance: FormInstance) -> str:
    return url_for("crf.form", code=subject.code, event_key=instance.event_key, event_repeat=instance.event_repeat,
                   form_key=instance.form_key, repeat_no=instance.repeat_no)


def _instance_of(subject: Subject, instance_id: int | None) -> FormInstance:
    instance = get_session().get(FormInstance, instance_id) if instance_id else None
    if instance is None or instance.subject_id != subject.id:
        abort(404)
    return instance


def _instance_and_subject(instance_id: int, action: str = "subject.view") -> tuple[FormInstance, Subject]:
    instance = get_session().get(FormInstance, instance_id)
    if instance is None:
        abort(404)
    subject = load_subject(get_session().get(Subject, instance.subject_id).code, action)
    return instance, subject


def _refused(error: DomainError, status_on_permission: int = 403) -> None:
    if isinstance(error, PermissionDenied):
        abort(status_on_permission)
    if isinstance(error, NotFound):
        abort(404)
    flash(str(error), "error")


# --- queries -------------------------------------------------------------------------------------

@bp.get("/queries")
@requires("query.view")
def queries():
    args = request.args
    filters = query_service.QueryFilters(
        site_id=_int_arg("site"), subject=args.get("subject") or None, form=args.get("form") or None,
        state=args.get("state") or None, min_age_days=_int_arg("min_age"), max_age_days=_int_arg("max_age"),
    )
    try:
        rows = query_service.list_queries(get_session(), current_user, filters, _now())
    except PermissionDenied:
        abort(403)
    return render_template(
        "monitor/queries.html", rows=rows, aging=query_service.aging_report(rows), buckets=query_service.AGING_BUCKETS,
        sites=_sites("query.view"), states=QUERY_STATES, forms=_form_choices(), filters=args, form_title=_form_title,
    )


def _form_choices() -> list[tuple[str, str]]:
    from forms.registry import all_forms

    return [(f.key, f.title) for f in all_forms()]


def _form_title(key: str) -> str:
    return get_form(key).title


@bp.get("/queries/<int:query_id>")
@requires("query.view")
def query(query_id: int):
    session = get_session()
    try:
        item, subject, instance = query_service.get_query(session, current_user, query_id)
    except NotFound:
        abort(404)
    locked = bool(instance and not instance.removed and gates.lock_refusals(session, subject, instance))
    return render_template(
        "monitor/query.html", q=item, subject=subject, instance=instance, form_url=_form_url(subject, instance),
        form_title=_form_title(instance.form_key), age=query_service.age_in_days(item, _now()), locked=locked,
        may_answer=user_can(current_user, "query.answer", subject.site_id) and item.state == "open",
        may_close=user_can(current_user, "query.close", subject.site_id) and item.state != "closed",
        may_reopen=user_can(current_user, "query.open", subject.site_id) and item.state != "open",
    )


def _query_transition(query_id: int, call, done: str):
    session = get_session()
    try:
        item, subject, _instance = query_service.get_query(session, current_user, query_id)
    except NotFound:
        abort(404)
    try:
        with transaction(session):
            call(session, ledger_config(), current_user, subject, item, request.form.get("text", ""))
    except DomainError as error:
        _refused(error)
    else:
        flash(done, "success")
    return redirect(url_for(".query", query_id=query_id))


@bp.post("/queries/<int:query_id>/answer")
@requires("query.answer")
def query_answer(query_id: int):
    return _query_transition(query_id, query_service.answer_query, "Answer sent; the query is now answered.")


@bp.post("/queries/<int:query_id>/close")
@requires("query.close")
def query_close(query_id: int):
    return _query_transition(query_id, query_service.close_query, "Query closed.")


@bp.post("/queries/<int:query_id>/reopen")
@requires("query.open")
def query_reopen(query_id: int):
    return _query_transition(query_id, query_service.reopen_query, "Query re-opened; the site will see it again.")


# --- source data verification --------------------------------------------------------------------

@bp.get("/sdv")
@requires("sdv.mark")
def sdv_dashboard():
    subject_code = request.args.get("subject") or None
    try:
        rows = sdv_service.dashboard(get_session(), current_user, site_id=_int_arg("site"), subject_code=subject_code)
    except PermissionDenied:
        abort(403)
    return render_template("monitor/sdv_dashboard.html", rows=rows, sites=_sites("sdv.mark"), filters=request.args,
                           expanded=subject_code, form_title=_form_title, states=sdv_service)


@bp.get("/sdv/forms/<int:instance_id>")
@requires("sdv.mark")
def sdv_form(instance_id: int):
    instance, subject = _instance_and_subject(instance_id, "sdv.mark")
    session = get_session()
    state = sdv_service.form_state(session, instance)
    form_def = get_form(instance.form_key, instance.form_version)
    return render_template("monitor/sdv_form.html", subject=subject, instance=instance, state=state, form_def=form_def,
                           values=crf_service.current_values(instance), form_url=_form_url(subject, instance),
                           locked=bool(gates.lock_refusals(session, subject, instance)), states=sdv_service)


@bp.post("/sdv/forms/<int:instance_id>/fields")
@requires("sdv.mark")
def sdv_verify_fields(instance_id: int):
    instance, subject = _instance_and_subject(instance_id, "sdv.mark")
    session = get_session()
    try:
        with transaction(session):
            marked = sdv_service.verify_fields(session, ledger_config(), current_user, subject, instance,
                                               request.form.getlist("field"))
    except DomainError as error:
        _refused(error)
    else:
        flash(f"Verified {len(marked)} field(s) against source." if marked else "Those fields were already verified.", "success")
    return redirect(url_for(".sdv_form", instance_id=instance_id))


@bp.post("/sdv/forms/<int:instance_id>")
@requires("sdv.mark")
def sdv_verify_form(instance_id: int):
    instance, subject = _instance_and_subject(instance_id, "sdv.mark")
    session = get_session()
    try:
        with transaction(session):
            marked = sdv_service.verify_form(session, ledger_config(), current_user, subject, instance)
    except DomainError as error:
        _refused(error)
    else:
        flash(f"Whole form verified ({len(marked)} field(s) newly marked).", "success")
    return redirect(url_for(".sdv_form", instance_id=instance_id))


@bp.post("/sdv/subjects/<code>/events/<event_key>/<int:event_repeat>")
@requires("sdv.mark")
def sdv_verify_event(code: str, event_key: str, event_repeat: int):
    subject = load_subject(code, "sdv.mark")
    session = get_session()
    try:
        with transaction(session):
            done = sdv_service.verify_event(session, ledger_config(), current_user, subject, event_key, event_repeat)
    except DomainError as error:
        _refused(error)
    else:
        flash(f"Verified every form of the visit ({len(done)} form(s)).", "success")
    return redirect(url_for(".sdv_dashboard", subject=code))


# --- e-signatures --------------------------------------------------------------------------------

def _target(subject: Subject, source) -> signature_service.Target:
    scope = source.get("scope", "form")
    if scope == "form":
        instance_id = source.get("instance_id", "")
        return signature_service.Target("form", subject, instance=_instance_of(subject, int(instance_id) if str(instance_id).isdigit() else None))
    if scope == "event":
        repeat = source.get("event_repeat", "")
        try:
            event_def(source.get("event_key", ""))
        except KeyError:
            abort(404)
        if not str(repeat).isdigit():
            abort(404)
        return signature_service.Target("event", subject, event_key=source["event_key"], event_repeat=int(repeat))
    if scope == "casebook":
        return signature_service.Target("casebook", subject)
    abort(404)


def _meanings() -> list[tuple[str, str]]:
    return [(m, SIGNATURE_MEANINGS[m]) for m in signature_service.RECORD_MEANINGS]


def _sign_form_page(subject: Subject, target, status: int = 200):
    session = get_session()
    content = signature_service.content_of(session, target)
    members = []
    for ref, sha in content.members:
        members.append({"ref": ref, "sha256": sha})
    return render_template(
        "monitor/sign.html", subject=subject, target=target, content=content, members=members,
        meanings=_meanings(), expected_key=signature_service.expected_key(target),
        signatures=signature_service.for_subject(session, subject),
    ), status


@bp.get("/subjects/<code>/sign")
@requires("record.sign")
def sign_page(code: str):
    subject = load_subject(code, "record.sign")
    return _sign_form_page(subject, _target(subject, request.args))


def _sign(targets, expected, done_url: str, retry):
    session = get_session()
    refused = None
    form = request.form
    try:
        with transaction(session):
            try:
                signed = signature_service.sign_with_reauthentication(
                    session, ledger_config(), current_user, form.get("password", ""), form.get("totp_code", ""),
                    targets, form.get("meaning", ""), expected,
                    lockout_threshold=int(current_app.config["EDC_LOCKOUT_THRESHOLD"]), client_address=request.remote_addr,
                )
            except ReauthenticationFailed as failure:
                refused = failure
    except DomainError as error:
        _refused(error)
        return retry(409)
    if refused is not None:
        flash(str(refused), "error")
        return retry(401)
    flash(f"Signed {len(signed)} record(s) as {signed[0].meaning}: {signed[0].printed_name}.", "success")
    return redirect(done_url)


@bp.post("/subjects/<code>/sign")
@requires("record.sign")
def sign(code: str):
    subject = load_subject(code, "record.sign")
    target = _target(subject, request.form)
    expected = {signature_service.expected_key(target): request.form.get("content_sha256", "")}
    return _sign([target], expected, url_for(".signatures", code=code),
                 lambda status: _sign_form_page(subject, target, status))


def _awaiting(session) -> list[tuple[Subject, FormInstance, str]]:
    sites = site_ids_for(current_user, "record.sign")
    statement = select(Subject).order_by(Subject.code)
    statement = restrict_to_sites(statement, Subject.site_id, sites)
    rows = []
    for subject in session.execute(statement).scalars():
        for instance in signature_service.awaiting_signature(session, subject):
            rows.append((subject, instance, signature_service.form_content(subject, instance).sha256))
    return rows


def _batch_page(status: int = 200):
    return render_template("monitor/sign_batch.html", rows=_awaiting(get_session()), meanings=_meanings(),
                           form_title=_form_title), status


@bp.get("/sign")
@requires("record.sign")
def sign_batch():
    return _batch_page()


@bp.post("/sign")
@requires("record.sign")
def sign_batch_submit():
    session = get_session()
    targets, expected = [], {}
    for choice in request.form.getlist("record"):
        instance_id, _, sha = choice.partition(":")
        instance = session.get(FormInstance, int(instance_id)) if instance_id.isdigit() else None
        if instance is None:
            abort(404)
        subject = load_subject(session.get(Subject, instance.subject_id).code, "record.sign")
        target = signature_service.Target("form", subject, instance=instance)
        targets.append(target)
        expected[signature_service.expected_key(target)] = sha
    return _sign(targets, expected, url_for(".sign_batch"), _batch_page)


@bp.get("/subjects/<code>/signatures")
@requires("subject.view")
def signatures(code: str):
    subject = load_subject(code)
    session = get_session()
    rows = [(s, signature_service.verify_signature_binding(session, s)) for s in signature_service.for_subject(session, subject)]
    return render_template("monitor/signatures.html", subject=subject, rows=rows, meanings=SIGNATURE_MEANINGS,
                           awaiting=signature_service.awaiting_signature(session, subject),
                           may_sign=user_can(current_user, "record.sign", subject.site_id))


# --- locks ---------------------------------------------------------------------------------------

def _lock_target(source) -> lock_service.LockTarget:
    scope = source.get("scope", "")
    if scope == "study":
        return lock_service.LockTarget("study")
    if scope not in lock_service.SCOPES:
        abort(404)
    subject = load_subject(source.get("code", ""), "record.lock")
    if scope == "subject":
        return lock_service.LockTarget("subject", subject)
    if scope == "event":
        repeat = source.get("event_repeat", "")
        if not str(repeat).isdigit():
            abort(404)
        return lock_service.LockTarget("event", subject, event_key=source.get("event_key", ""), event_repeat=int(repeat))
    instance_id = source.get("instance_id", "")
    instance = _instance_of(subject, int(instance_id) if str(instance_id).isdigit() else None)
    return lock_service.LockTarget("form", subject, instance=instance)


@bp.get("/locks")
@requires("record.lock")
def locks():
    session = get_session()
    active = [(lock, lock_service.target_of(session, lock)) for lock in lock_service.active_locks(session)]
    subjects = list(session.execute(select(Subject).order_by(Subject.code)).scalars())
    return render_template("monitor/locks.html", active=active, subjects=subjects)


def _lock_page(target, blockers, status: int = 200):
    session = get_session()
    covering = [lock for lock in lock_service.active_locks(session, target.subject)
                if lock.scope == "study" or target.scope != "study"]
    return render_template("monitor/lock.html", target=target, blockers=blockers, covering=covering,
                           forms=lock_service.covered_instances(session, target)), status


@bp.get("/lock")
@requires("record.lock")
def lock_page():
    target = _lock_target(request.args)
    return _lock_page(target, lock_service.blockers(get_session(), target))


@bp.post("/lock")
@requires("record.lock")
def lock():
    target = _lock_target(request.form)
    session = get_session()
    try:
        with transaction(session):
            lock_service.lock_records(session, ledger_config(), current_user, target)
    except lock_service.LockRefused as refusal:
        flash(str(refusal), "error")
        return _lock_page(target, refusal.blockers, 409)
    except DomainError as error:
        _refused(error)
        return _lock_page(target, [], 409)
    flash(f"Locked {target.label}.", "success")
    return redirect(url_for(".locks"))


@bp.post("/locks/<int:lock_id>/unlock")
@requires("record.lock")
def unlock(lock_id: int):
    session = get_session()
    row = session.get(Lock, lock_id)
    if row is None:
        abort(404)
    try:
        with transaction(session):
            lock_service.unlock_records(session, ledger_config(), current_user, row, request.form.get("reason", ""))
    except DomainError as error:
        _refused(error)
        return redirect(url_for(".locks"))
    flash("Unlocked; the reason is kept in the audit trail.", "success")
    return redirect(url_for(".locks"))

