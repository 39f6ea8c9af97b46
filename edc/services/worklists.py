"""What each role sees on its home page: its own work, at its own sites.

Site staff: forms still incomplete and open queries waiting for their answer.  Monitors: source
data verification pending and values changed since verified.  Data managers: query aging and what
blocks locking.  Investigators: forms awaiting their signature.  Auditors: the ledger's latest
signed checkpoint and the last verification run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.registry import UnknownForm, get_form

from ..models import FormInstance, Subject
from ..permissions import PERMISSIONS, role_usable, roles_of, site_ids_for
from . import ledger as ledger_service
from . import locks, queries, safety, sdv, signatures
from .records import restrict_to_sites

PANEL_ROWS = 20


@dataclass
class Panel:
    title: str
    rows: list[dict] = field(default_factory=list)
    empty: str = "Nothing waiting."
    link: str | None = None


def _url(endpoint: str, **values) -> str | None:
    """A link when running inside a request and the endpoint exists (the service stays usable without Flask)."""
    from flask import current_app, has_request_context, url_for

    if not has_request_context() or endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _title(form_key: str) -> str:
    try:
        return get_form(form_key).title
    except UnknownForm:
        return form_key


def _instances(session: Session, sites: set[int] | None, **where) -> list[tuple[FormInstance, Subject]]:
    statement = (select(FormInstance, Subject).join(Subject, Subject.id == FormInstance.subject_id)
                 .where(FormInstance.removed.is_(False)).order_by(Subject.code, FormInstance.id))
    statement = restrict_to_sites(statement, Subject.site_id, sites)
    for name, value in where.items():
        statement = statement.where(getattr(FormInstance, name) == value)
    return [(i, s) for i, s in session.execute(statement).all()]


def _form_url(subject: Subject, instance: FormInstance) -> str | None:
    return _url("crf.form", code=subject.code, event_key=instance.event_key, event_repeat=instance.event_repeat,
                form_key=instance.form_key, repeat_no=instance.repeat_no)


def _form_row(subject: Subject, instance: FormInstance, **extra) -> dict:
    return {"Subject": subject.code, "Form": _title(instance.form_key), "Record": instance.ref, **extra,
            "url": _form_url(subject, instance)}


def _site_staff_panels(session: Session, user, now: datetime) -> list[Panel]:
    sites = site_ids_for(user, "crf.enter")
    incomplete = [_form_row(s, i) for i, s in _instances(session, sites, status="incomplete")]
    open_rows = [
        {"Query": f"#{row.query.id}", "Subject": row.subject.code, "Form": _title(row.instance.form_key),
         "Field": row.query.field or "form", "Age (days)": row.age_days, "Question": row.query.text,
         "url": _url("monitor.query", query_id=row.query.id)}
        for row in queries.list_queries(session, user, queries.QueryFilters(state="open"), now)
        if sites is None or row.subject.site_id in sites
    ]
    return [
        Panel("Forms incomplete", incomplete[:PANEL_ROWS], "Every started form is complete."),
        Panel("Open queries for your site", open_rows[:PANEL_ROWS], "No open query waits for an answer.",
              _url("monitor.queries", state="open")),
    ]


def _safety_panels(session: Session, user, now: datetime) -> list[Panel]:
    """Serious AEs whose report to the sponsor is still open, most urgent first (spec 3.2)."""
    rows = []
    for sae in safety.open_saes(session, user, now):
        if sae.sent is not None:
            continue
        left = "OVERDUE" if sae.overdue else (f"{sae.hours_left} h" if sae.hours_left is not None else "awareness time missing")
        rows.append({"Subject": sae.subject.code, "Event": sae.term, "Grade": sae.grade or "", "Report due in": left,
                     "url": _url("crf.form", code=sae.subject.code, event_key=sae.instance.event_key,
                                 event_repeat=sae.instance.event_repeat, form_key="adverse_event",
                                 repeat_no=sae.instance.repeat_no)})
    return [Panel("Open SAE reports (24-hour clock)", rows[:PANEL_ROWS], "No serious adverse event awaits its report.",
                  _url("safety.dashboard"))]


def _monitor_panels(session: Session, user) -> list[Panel]:
    sites = site_ids_for(user, "sdv.mark")
    pending, changed = [], []
    for instance, subject in _instances(session, sites):
        state = sdv.form_state(session, instance)
        row = {**_form_row(subject, instance), "url": _url("monitor.sdv_form", instance_id=instance.id)}
        if state.changed:
            changed.append({**row, "Changed fields": ", ".join(state.changed)})
        elif not state.complete:
            pending.append({**row, "Verified": f"{len(state.verified)} of {state.required}"})
    link = _url("monitor.sdv_dashboard")
    return [
        Panel("Changed since verified", changed[:PANEL_ROWS], "No verified value has changed.", link),
        Panel("SDV pending", pending[:PANEL_ROWS], "Nothing is waiting for verification.", link),
    ]


def _data_manager_panels(session: Session, user, now: datetime) -> list[Panel]:
    rows = queries.list_queries(session, user, queries.QueryFilters(state="not_closed"), now)
    aging = queries.aging_report(rows)
    sites = site_ids_for(user, "record.lock")
    subjects = select(Subject).order_by(Subject.code)
    subjects = restrict_to_sites(subjects, Subject.site_id, sites)
    blocking = []
    for subject in session.execute(subjects).scalars():
        found = locks.blockers(session, locks.LockTarget("subject", subject))
        if found:
            blocking.append({"Subject": subject.code, "Blockers": len(found), "First": found[0],
                             "url": _url("monitor.lock_page", scope="subject", code=subject.code)})
    return [
        Panel("Query aging", aging, "No query is open.", _url("monitor.queries", state="not_closed")),
        Panel("What blocks locking", blocking[:PANEL_ROWS], "No casebook has anything blocking its lock."),
    ]


def _investigator_panels(session: Session, user) -> list[Panel]:
    sites = site_ids_for(user, "record.sign")
    waiting = [_form_row(s, i) for i, s in _instances(session, sites, status="complete")
               if not signatures.covering(session, s, i)]
    return [Panel("Awaiting your signature", waiting[:PANEL_ROWS], "Nothing awaits your signature.",
                  _url("monitor.sign_batch"))]


def _ledger_page() -> str | None:
    return _url("auditor.ledger") or _url("audit_ui.ledger")


def _auditor_panels(session: Session, run: dict | None) -> list[Panel]:
    checkpoint = ledger_service.latest_checkpoint(session)
    rows = []
    if checkpoint is not None:
        rows.append({"Latest checkpoint": f"{checkpoint.size} entries", "Root hash": bytes(checkpoint.root_hash).hex(),
                     "Signed at (UTC)": checkpoint.ts, "url": _ledger_page()})
    verification = []
    if run is not None:
        result = run.get("result") or {}
        if run.get("state") == "done":
            outcome = "passed" if result.get("ok") else f"FAILED: {result.get('summary') or result.get('problem')}"
        else:
            outcome = run.get("state", "unknown")
        verification.append({"Last verification": run.get("started_at", ""), "By": run.get("started_by", ""),
                             "Outcome": outcome, "url": _ledger_page()})
    return [
        Panel("Ledger checkpoint", rows, "No checkpoint has been signed yet.", _ledger_page()),
        Panel("Ledger verification", verification, "No verification has been run yet: verify the ledger.", _ledger_page()),
    ]


def panels_for(session: Session, user, now: datetime | None = None, latest_run: dict | None = None) -> list[Panel]:
    """The home-page panels for every role ``user`` holds (``latest_run``: the last ledger verification)."""
    if not role_usable(user):
        return []
    now = now or datetime.now(timezone.utc)
    roles = set(roles_of(user))
    panels: list[Panel] = []
    if roles & PERMISSIONS["safety.view"]:
        panels += _safety_panels(session, user, now)
    if roles & {"investigator", "coordinator"}:
        panels += _site_staff_panels(session, user, now)
    if "investigator" in roles:
        panels += _investigator_panels(session, user)
    if "monitor" in roles:
        panels += _monitor_panels(session, user)
    if "data_manager" in roles:
        panels += _data_manager_panels(session, user, now)
    if "auditor" in roles:
        panels += _auditor_panels(session, latest_run)
    return panels
