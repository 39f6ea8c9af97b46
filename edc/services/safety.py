"""The safety dashboard: serious adverse events with their 24-hour clocks and SUSAR due dates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.safety.clocks import sae_clock
from forms.safety.values import as_datetime

from ..models import ESignature, FormInstance, Subject
from ..permissions import site_ids_for
from .records import restrict_to_sites


@dataclass
class SaeRow:
    subject: Subject
    instance: FormInstance
    term: str
    grade: str | None
    aware: datetime | None
    due: datetime | None
    hours_left: float | None
    overdue: bool
    alert: bool
    sent: datetime | None
    late: bool | None
    susar: bool
    susar_due: str | None
    signed: bool
    revision: int


def open_saes(session: Session, user, now: datetime | None = None) -> list[SaeRow]:
    """Serious AEs at the user's sites, most urgent first (overdue, then least time left)."""
    now = now or datetime.now(timezone.utc)
    sites = site_ids_for(user, "safety.view")
    query = (select(FormInstance, Subject).join(Subject, Subject.id == FormInstance.subject_id)
             .where(FormInstance.form_key == "adverse_event", FormInstance.removed.is_(False)))
    query = restrict_to_sites(query, Subject.site_id, sites)
    signed = {s.instance_id for s in session.execute(select(ESignature).where(ESignature.valid.is_(True))).scalars()}
    rows = []
    for instance, subject in session.execute(query).all():
        values = {v.field: v.value for v in instance.values}
        if values.get("AESER") != "Y":
            continue
        zone = ZoneInfo(subject.site.timezone)
        aware = _utc(as_datetime(values.get("SAE_AWARE_DTC")), zone)
        sent = _utc(as_datetime(values.get("SAE_SENT_DTC")), zone)
        clock = sae_clock(aware, now, sent=sent) if aware else None
        rows.append(SaeRow(
            subject=subject, instance=instance, term=values.get("AETERM") or "", grade=values.get("AETOXGR"),
            aware=aware, due=clock["due"] if clock else None, hours_left=clock["hours_left"] if clock else None,
            overdue=bool(clock and clock["overdue"]), alert=bool(clock and clock["alert"]), sent=sent,
            late=clock["late"] if clock else None, susar=values.get("SUSAR") == "Y",
            susar_due=values.get("SUSAR_DUE_DT"), signed=instance.id in signed, revision=instance.revision,
        ))
    return sorted(rows, key=lambda r: (r.sent is not None, not r.overdue, r.hours_left if r.hours_left is not None else 1e9))


def _utc(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """Form datetimes are the site's wall-clock times; the clock runs in UTC."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(timezone.utc)
