"""Protocol deviations: recorded automatically when a check detects a breach, or by hand."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef

from ..models import Deviation, FormInstance, Site, Subject
from ..permissions import site_ids_for, user_can
from ..wiring import actor_for
from . import ledger as ledger_service
from .consent_state import site_today
from .errors import DomainError, PermissionDenied
from .records import restrict_to_sites

CATEGORIES = (
    ("INFUSION_WINDOW", "Infusion outside its window"),
    ("DOSE", "Dose outside tolerance"),
    ("SAE_LATE", "SAE reported late"),
    ("CONSENT", "Consent process"),
    ("ELIGIBILITY", "Eligibility"),
    ("PROCEDURE", "Protocol procedure missed or out of window"),
    ("OTHER", "Other"),
)


def record_deviation(session: Session, ledger, user, subject: Subject, *, category: str, description: str,
                     occurred_on: date, instance: FormInstance | None = None, automatic: bool = False,
                     reported_to_ethics: bool = False) -> Deviation:
    """Record a deviation (by a check when ``automatic``) with its ledger entry.

    :raises PermissionDenied: for a manual record by a role that may not record deviations.
    :raises DomainError: without a description.
    """
    if not automatic and not user_can(user, "deviation.record", subject.site_id):
        raise PermissionDenied("Your role does not allow recording deviations for this site.")
    if not (description or "").strip():
        raise DomainError("Describe the deviation.")
    deviation = Deviation(site_id=subject.site_id, subject_id=subject.id, instance_id=instance.id if instance else None,
                          category=category, description=description.strip(), occurred_on=occurred_on,
                          automatic=automatic, reported_to_ethics=reported_to_ethics, recorded_by=user.id,
                          recorded_at=ledger.clock())
    session.add(deviation)
    session.flush()
    ledger_service.append(
        session, ledger, actor=actor_for(user, subject.site_id), action="deviation.recorded",
        record=RecordRef(site=subject.site.code, subject=subject.code,
                         form=instance.form_key if instance else None, instance=instance.ref if instance else None),
        payload={"deviation_id": deviation.id, "category": category, "description": deviation.description,
                 "occurred_on": occurred_on.isoformat(), "automatic": automatic, "reported_to_ethics": reported_to_ethics},
    )
    return deviation


def record_detected(session: Session, ledger, user, subject: Subject, instance: FormInstance, detected: list[dict]) -> None:
    """Record each deviation a form's checks derived, once per (form instance, category, description)."""
    existing = {(d.category, d.description) for d in session.execute(
        select(Deviation).where(Deviation.instance_id == instance.id)).scalars()}
    for item in detected:
        key = (item["category"], item["description"])
        if key in existing:
            continue
        occurred = item.get("occurred_on") or site_today(ledger.clock(), subject)
        record_deviation(session, ledger, user, subject, category=item["category"], description=item["description"],
                         occurred_on=occurred if isinstance(occurred, date) else date.fromisoformat(str(occurred)),
                         instance=instance, automatic=True)


def mark_reported(session: Session, ledger, user, deviation: Deviation) -> None:
    """Record that the deviation was reported to the ethics committee."""
    subject = session.get(Subject, deviation.subject_id)
    if not user_can(user, "deviation.record", deviation.site_id):
        raise PermissionDenied("Your role does not allow updating deviations for this site.")
    deviation.reported_to_ethics = True
    session.flush()
    ledger_service.append(session, ledger, actor=actor_for(user, deviation.site_id), action="deviation.reported",
                          record=RecordRef(site=subject.site.code, subject=subject.code),
                          payload={"deviation_id": deviation.id})


def deviation_log(session: Session, user, site_id: int | None = None) -> list[tuple[Deviation, Subject, Site]]:
    sites = site_ids_for(user, "deviation.view")
    query = (select(Deviation, Subject, Site).join(Subject, Subject.id == Deviation.subject_id)
             .join(Site, Site.id == Deviation.site_id).order_by(Deviation.occurred_on, Deviation.id))
    query = restrict_to_sites(query, Deviation.site_id, sites)
    if site_id:
        query = query.where(Deviation.site_id == site_id)
    return list(session.execute(query).all())
