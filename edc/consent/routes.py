"""Consent documents, bedside consent capture, withdrawal, re-consent, screening log, eligibility and enrolment.

Views are thin: parse the request, call one service in one transaction, show its refusal in the user's
terms.  Importing this module also registers the screening context builder and the eligibility hooks
(:mod:`edc.services.eligibility`).
"""
from __future__ import annotations

import base64
import json
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from config.protocol import REGISTRY
from forms.screening import CRITERIA

from ..db import get_session, transaction
from ..models import ARMS, ConsentDocument
from ..models.consent import DOCUMENT_KINDS
from ..permissions import requires, site_ids_for, user_can
from ..services import consent as consent_service
from ..services import consent_state, eligibility, enrolment
from ..services.consent import ConsentCapture, ConsentRefused, DocumentInput, SignerInput
from ..services.errors import NotFound, PermissionDenied
from ..services.reauth import ReauthenticationFailed
from ..services.signature_images import SignatureImageError, from_data_url
from ..subjects.routes import load_subject
from ..wiring import ledger_config
from .forms import ConfirmEligibilityForm, ConsentForm, DocumentForm, EnrolForm, RetireForm, ScreenFailureForm, WithdrawForm

bp = Blueprint("consent", __name__)


def _threshold() -> int:
    return int(current_app.config["EDC_LOCKOUT_THRESHOLD"])


def _form_problems(form) -> list[str]:
    return [f"{form[name].label.text}: {message}" for name, messages in form.errors.items() if name in form
            for message in messages]


# --- documents (data managers) -----------------------------------------------------------------------

def _documents_page(form: DocumentForm | None = None, status: int = 200):
    documents = consent_service.list_documents(get_session())
    return render_template(
        "consent/documents.html", documents=documents, form=form or DocumentForm(formdata=None),
        retire_form=RetireForm(formdata=None), kinds=DOCUMENT_KINDS, title="Consent documents",
        today=ledger_config().clock().astimezone(ZoneInfo(current_app.config["EDC_SITE_TIMEZONE"])).date(),
    ), status


@bp.get("/consent/documents")
@requires("consent.document.manage")
def documents():
    return _documents_page()


@bp.post("/consent/documents")
@requires("consent.document.manage")
def register_document():
    form = DocumentForm()
    if not form.validate():
        flash("The document was not registered: " + " ".join(_form_problems(form)), "error")
        return _documents_page(form, 422)
    upload = form.document_file.data
    content = upload.read() if upload else b""
    content_type = upload.mimetype if upload and content else "text/plain; charset=utf-8"
    if not content and form.document_text.data:
        content = form.document_text.data.encode("utf-8")
    session = get_session()
    try:
        with transaction(session):
            document, warnings = consent_service.register_document(session, ledger_config(), current_user, DocumentInput(
                kind=form.kind.data, version_label=form.version_label.data, language=form.language.data,
                ethics_reference=form.ethics_reference.data, approval_date=form.approval_date.data,
                effective_date=form.effective_date.data, retirement_date=form.retirement_date.data,
                ethics_expiry_date=form.ethics_expiry_date.data, content=content, content_type=content_type,
                filename=upload.filename if upload and upload.filename else None,
                optional_items=(form.optional_items.data or "").splitlines(),
            ))
    except ConsentRefused as error:
        flash("The document was not registered: " + " ".join(error.reasons), "error")
        return _documents_page(form, 422)
    for warning in warnings:
        flash(warning, "warning")
    flash(f"{DOCUMENT_KINDS[document.kind]} version {document.version_label} registered (SHA-256 {document.sha256[:16]}...).", "success")
    return redirect(url_for(".documents"))


@bp.post("/consent/documents/<int:document_id>/retire")
@requires("consent.document.manage")
def retire_document(document_id: int):
    session = get_session()
    form = RetireForm()
    try:
        document = consent_service.find_document(session, document_id)
    except NotFound:
        abort(404)
    if not form.validate():
        flash("Not retired: " + " ".join(_form_problems(form)), "error")
        return _documents_page(status=422)
    try:
        with transaction(session):
            consent_service.retire_document(session, ledger_config(), current_user, document, form.retirement_date.data, form.reason.data)
    except ConsentRefused as error:
        flash("Not retired: " + " ".join(error.reasons), "error")
        return _documents_page(status=422)
    flash(f"Version {document.version_label} is retired from {document.retirement_date.isoformat()}.", "success")
    return redirect(url_for(".documents"))


@bp.get("/consent/documents/<int:document_id>/file")
@requires("subject.view")
def document_file(document_id: int):
    try:
        document = consent_service.find_document(get_session(), document_id)
    except NotFound:
        abort(404)
    if not document.content:
        abort(404)
    filename = document.filename or f"consent-{document.kind}-{document.version_label}.{'pdf' if 'pdf' in (document.content_type or '') else 'txt'}"
    return Response(bytes(document.content), mimetype=document.content_type or "application/octet-stream",
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "X-Document-SHA256": document.sha256})


# --- a subject's consent -----------------------------------------------------------------------------

def _image_url(session, subject, signer) -> str | None:
    try:
        data = consent_service.signer_image(session, subject, signer)
    except SignatureImageError:
        return None
    if data is None:
        return None
    return f"data:{signer.image_media_type};base64,{base64.b64encode(data).decode()}"


@bp.get("/subjects/<code>/consent")
@requires("subject.view")
def subject(code: str):
    subject_row = load_subject(code)
    session = get_session()
    records = consent_service.records_of(session, subject_row)
    may_capture = user_can(current_user, "consent.capture", subject_row.site_id)
    people = {}
    if may_capture:
        for record in records:
            for signer in record.signers:
                people[signer.id] = (consent_service.signer_name(session, subject_row, signer), _image_url(session, subject_row, signer))
    state = consent_state.state_of(session, subject_row, consent_state.site_today(ledger_config().clock(), subject_row))
    return render_template(
        "consent/subject.html", subject=subject_row, records=records, state=state, people=people,
        may_capture=may_capture, withdraw_form=WithdrawForm(formdata=None), relationships=consent_service.RELATIONSHIPS,
        assent_outcomes=consent_service.ASSENT_OUTCOMES, scopes=consent_service.WITHDRAWAL_SCOPES,
        requesters=consent_service.WITHDRAWAL_REQUESTERS, occasions=consent_service.OCCASIONS,
        json=json, title=f"Consent {subject_row.code}",
    )


def _capture_page(subject_row, form: ConsentForm, problems: list[str] = (), status: int = 200):
    session = get_session()
    today = consent_state.site_today(ledger_config().clock(), subject_row)
    documents = [d for d in consent_service.list_documents(session) if d.kind == "guardian"]
    form.document_id.choices = [SelectChoice("", "Choose...")] + [
        SelectChoice(str(d.id), f"Version {d.version_label} ({d.language}), effective {d.effective_date.isoformat()}"
                     + (f", retired {d.retirement_date.isoformat()}" if d.retirement_date else "")) for d in documents
    ]
    in_force = consent_state.current_document(session, "guardian", today)
    if not form.document_id.data and in_force is not None:
        form.document_id.data = str(in_force.id)
    chosen = next((d for d in documents if str(d.id) == str(form.document_id.data)), in_force)
    items = [i for i in (chosen.optional_items.splitlines() if chosen else []) if i.strip()]
    return render_template(
        "consent/capture.html", subject=subject_row, form=form, problems=problems, in_force=in_force,
        assent_document=consent_state.current_document(session, "assent", today), optional_items=items,
        answers={i: request.form.get(f"optional_{n}") for n, i in enumerate(items)} if request.method == "POST" else {},
        guardians_required=REGISTRY["guardians_required"], assent_age=REGISTRY["assent_min_age_years"],
        has_previous=consent_state.latest_record(session, subject_row) is not None,
        title=f"Consent {subject_row.code}",
    ), status


@bp.get("/subjects/<code>/consent/new")
@requires("consent.capture")
def capture_form(code: str):
    subject_row = load_subject(code, "consent.capture")
    form = ConsentForm(formdata=None)
    form.consent_date.data = consent_state.site_today(ledger_config().clock(), subject_row)
    if consent_state.latest_record(get_session(), subject_row) is not None:
        form.occasion.data = "AMENDMENT"
    return _capture_page(subject_row, form)


def _signer(name: str | None, data_url: str | None, relationship: str | None = None, can_read: bool = True) -> SignerInput:
    drawn, problem = None, None
    if (data_url or "").strip():
        try:
            drawn = from_data_url(data_url)
        except SignatureImageError as error:
            problem = str(error)
    return SignerInput(name=name, signature=drawn, signature_error=problem, relationship=relationship or None, can_read=can_read)


def _capture_from(form: ConsentForm, items: list[str]) -> ConsentCapture:
    guardians = [
        _signer(form.guardian1_name.data, form.guardian1_signature.data, form.guardian1_relationship.data, not form.guardian1_cannot_read.data),
        _signer(form.guardian2_name.data, form.guardian2_signature.data, form.guardian2_relationship.data, not form.guardian2_cannot_read.data),
    ]
    return ConsentCapture(
        document_id=int(form.document_id.data) if (form.document_id.data or "").isdigit() else None,
        consent_date=form.consent_date.data, consent_time=form.consent_time.data,
        child_birth_date=form.child_birth_date.data,
        guardians=[g for g in guardians if (g.name or "").strip() or g.signature or g.signature_error or g.relationship],
        witness=_signer(form.witness_name.data, form.witness_signature.data),
        assent_outcome=form.assent_outcome.data or None,
        child=_signer(form.child_name.data, form.child_signature.data),
        assent_reason=form.assent_reason.data, assent_justification=form.assent_justification.data,
        optional_answers={item: request.form.get(f"optional_{n}") for n, item in enumerate(items)},
        copy_given=bool(form.copy_given.data), occasion=form.occasion.data or None,
    )


@bp.post("/subjects/<code>/consent/new")
@requires("consent.capture")
def capture(code: str):
    subject_row = load_subject(code, "consent.capture")
    session = get_session()
    form = ConsentForm()
    if not form.validate():
        return _capture_page(subject_row, form, _form_problems(form), 422)
    document = session.get(ConsentDocument, int(form.document_id.data)) if (form.document_id.data or "").isdigit() else None
    items = [i for i in (document.optional_items.splitlines() if document else []) if i.strip()]
    refused = None
    try:
        with transaction(session):
            try:
                result = consent_service.capture_consent(
                    session, ledger_config(), current_user, subject_row, _capture_from(form, items),
                    password=form.password.data or "", totp_code=form.totp_code.data or "",
                    lockout_threshold=_threshold(), client_address=request.remote_addr,
                )
            except ReauthenticationFailed as failure:
                refused = failure
    except ConsentRefused as error:
        return _capture_page(subject_row, form, error.reasons, 422)
    except PermissionDenied:
        abort(403)
    if refused is not None:
        return _capture_page(subject_row, form, [str(refused)], 422)
    for warning in result.warnings:
        flash(warning, "warning")
    flash(f"Guardian permission recorded for {subject_row.code} on version {result.record.document.version_label}.", "success")
    return redirect(url_for(".subject", code=code))


@bp.post("/subjects/<code>/consent/withdraw")
@requires("consent.capture")
def withdraw(code: str):
    subject_row = load_subject(code, "consent.capture")
    session = get_session()
    form = WithdrawForm()
    if not form.validate():
        flash("Withdrawal not recorded: " + " ".join(_form_problems(form)), "error")
        return redirect(url_for(".subject", code=code))
    try:
        with transaction(session):
            consent_service.withdraw_consent(session, ledger_config(), current_user, subject_row, withdrawn_on=form.withdrawn_on.data,
                                             scope=form.scope.data, requested_by=form.requested_by.data, reason=form.reason.data)
    except ConsentRefused as error:
        flash("Withdrawal not recorded: " + " ".join(error.reasons), "error")
        return redirect(url_for(".subject", code=code))
    except PermissionDenied:
        abort(403)
    flash(f"Withdrawal recorded: {consent_service.WITHDRAWAL_SCOPES[form.scope.data].lower()}.", "success")
    return redirect(url_for(".subject", code=code))


@bp.get("/consent/reconsent")
@requires("consent.capture")
def reconsent():
    session = get_session()
    today = ledger_config().clock().astimezone(ZoneInfo(current_app.config["EDC_SITE_TIMEZONE"])).date()
    rows = consent_service.reconsent_due(session, today, site_ids_for(current_user, "consent.capture"))
    return render_template("consent/reconsent.html", rows=rows, today=today, title="Re-consent due")


@bp.get("/consent/screening-log")
@requires("subject.view")
def screening_log():
    rows = eligibility.screening_log(get_session(), current_user)
    return render_template("consent/screening_log.html", rows=rows, title="Screening log")


# --- eligibility and enrolment ----------------------------------------------------------------------

def _enrolment_page(subject_row, *, problems: list[str] = (), status: int = 200, enrol_form=None, failure_form=None):
    session = get_session()
    today = consent_state.site_today(ledger_config().clock(), subject_row)
    evaluation = eligibility.assess(session, subject_row, today)
    return render_template(
        "subjects/enrolment.html", subject=subject_row, checklist=enrolment.checklist(session, subject_row, today),
        evaluation=evaluation, failed=eligibility.not_met(evaluation) if evaluation else [],
        confirmation=eligibility.valid_confirmation(session, subject_row), problems=problems,
        confirm_form=ConfirmEligibilityForm(formdata=None), enrol_form=enrol_form or EnrolForm(formdata=None),
        failure_form=failure_form or ScreenFailureForm(formdata=None), arms=ARMS, criteria=CRITERIA,
        may_confirm=user_can(current_user, "eligibility.confirm", subject_row.site_id),
        may_enrol=user_can(current_user, "subject.enrol", subject_row.site_id), today=today,
        title=f"Eligibility and enrolment {subject_row.code}",
    ), status


@bp.get("/subjects/<code>/enrolment")
@requires("subject.view")
def enrolment_page(code: str):
    return _enrolment_page(load_subject(code))


@bp.post("/subjects/<code>/eligibility/confirm")
@requires("eligibility.confirm")
def confirm_eligibility(code: str):
    subject_row = load_subject(code, "eligibility.confirm")
    session = get_session()
    form = ConfirmEligibilityForm()
    if not form.validate():
        return _enrolment_page(subject_row, problems=_form_problems(form), status=422)
    refused = None
    try:
        with transaction(session):
            try:
                eligibility.confirm_eligibility(session, ledger_config(), current_user, subject_row,
                                                password=form.password.data or "", totp_code=form.totp_code.data or "",
                                                lockout_threshold=_threshold(), client_address=request.remote_addr)
            except ReauthenticationFailed as failure:
                refused = failure
    except eligibility.EligibilityRefused as error:
        return _enrolment_page(subject_row, problems=error.reasons, status=409)
    except PermissionDenied:
        abort(403)
    if refused is not None:
        return _enrolment_page(subject_row, problems=[str(refused)], status=422)
    flash("Eligibility confirmed with your e-signature.", "success")
    return redirect(url_for(".enrolment_page", code=code))


@bp.post("/subjects/<code>/enrolment")
@requires("subject.enrol")
def enrol(code: str):
    subject_row = load_subject(code, "subject.enrol")
    session = get_session()
    form = EnrolForm()
    if not form.validate():
        return _enrolment_page(subject_row, problems=_form_problems(form), status=422, enrol_form=form)
    try:
        with transaction(session):
            enrolment.enrol_subject(session, ledger_config(), current_user, subject_row, arm=form.arm.data or None,
                                    basis_code=form.basis_code.data or None, basis_text=form.basis_text.data)
    except enrolment.EnrolmentRefused as error:
        return _enrolment_page(subject_row, problems=error.reasons, status=409, enrol_form=form)
    except PermissionDenied:
        abort(403)
    flash(f"{subject_row.code} enrolled in the {ARMS[subject_row.arm]} arm.", "success")
    return redirect(url_for("subjects.casebook", code=code))


@bp.post("/subjects/<code>/screen-failure")
@requires("eligibility.confirm")
def screen_failure(code: str):
    subject_row = load_subject(code, "eligibility.confirm")
    session = get_session()
    form = ScreenFailureForm()
    if not form.validate():
        return _enrolment_page(subject_row, problems=_form_problems(form), status=422, failure_form=form)
    try:
        with transaction(session):
            eligibility.record_screen_failure(session, ledger_config(), current_user, subject_row, failed_on=form.failed_on.data,
                                              criteria=list(form.criteria.data or []), reason=form.reason.data or "")
    except eligibility.EligibilityRefused as error:
        return _enrolment_page(subject_row, problems=error.reasons, status=409, failure_form=form)
    except PermissionDenied:
        abort(403)
    flash(f"{subject_row.code} recorded as a screen failure in the screening log.", "success")
    return redirect(url_for(".screening_log"))

