"""The audit trail, read straight from the ledger: for a field, a form, a subject or the study.

Read-only and chronological.  Each row says when (UTC and site time), who (printed name and role),
what (action, field, old value -> new value), why (reason) and which entry (sequence number and
leaf hash), decoded from the entry bodies themselves rather than from the index columns beside them.
Sealed identifiers are never opened here: they appear as ``[identifier, sealed]``.

The ledger is read in batches of ``BATCH`` entries, so a study-wide CSV export never holds the whole
study in memory; with ``release_between_batches`` the read transaction ends after each batch, so a
long download neither pins an old PostgreSQL snapshot nor keeps SQLite's write lock.
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.entry import Entry, RecordRef
from audit.identifiers import is_sealed

from ..models import LedgerEntry, Site, Subject
from ..permissions import site_ids_for, user_can
from . import ledger as ledger_service
from .accounts import actor_of
from .errors import PermissionDenied

BATCH = 500
SEALED = "[identifier, sealed]"
CSV_COLUMNS = ("seq", "entry_hash", "utc", "site_time", "who", "role", "action", "site", "subject", "form",
               "instance", "field", "old", "new", "reason", "detail")


@dataclass(frozen=True)
class TrailFilters:
    subject: str | None = None
    instance: str | None = None
    form: str | None = None
    field: str | None = None
    action: str | None = None
    """An action (``crf.updated``) or a family (``query``)."""
    actor: str | None = None
    """Part of the printed name."""
    date_from: date | None = None
    date_to: date | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items() if v}


@dataclass(frozen=True)
class TrailRow:
    seq: int
    entry_hash: str
    ts: str
    site_time: str
    who: str
    role: str
    action: str
    site: str | None
    subject: str | None
    form: str | None
    instance: str | None
    field: str | None
    old: str
    new: str
    reason: str
    detail: str

    def as_csv(self) -> list[str]:
        return [str(self.seq), self.entry_hash, self.ts, self.site_time, self.who, self.role, self.action,
                self.site or "", self.subject or "", self.form or "", self.instance or "", self.field or "",
                self.old, self.new, self.reason, self.detail]


def local_time(ts: str, zone: str) -> str:
    """``2026-11-25 17:33 Asia/Tehran`` for a ledger timestamp."""
    moment = datetime.fromisoformat(ts.replace("Z", "+00:00")).astimezone(ZoneInfo(zone))
    return f"{moment:%Y-%m-%d %H:%M:%S} {zone}"


def shown(value: Any, missing: str | None = None) -> str:
    """A value as the trail shows it: sealed identifiers stay sealed, blanks say why."""
    if is_sealed(value):
        return SEALED
    if value is None:
        return f"blank ({missing})" if missing else ""
    if isinstance(value, (list, tuple)):
        return ", ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {shown(v)}" for k, v in sorted(value.items()))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _detail(entry: Entry) -> str:
    payload = entry.payload
    action = entry.action
    if action.startswith("query."):
        kind = "automatic" if payload.get("automatic") else "manual"
        return f"query #{payload.get('query_id')} ({kind}{', ' + payload['check'] if payload.get('check') else ''}): {payload.get('text', '')}"
    if action.startswith("sdv."):
        extra = f"; {payload['cause']}" if payload.get("cause") else ""
        return f"fields: {', '.join(payload.get('fields', []))}{extra}"
    if action == "signature.signed":
        return (f"{payload.get('meaning')} ({payload.get('meaning_text')}) by {payload.get('printed_name')}, "
                f"{payload.get('scope')} {payload.get('target')}, content SHA-256 {payload.get('content_sha256')}, "
                f"key {payload.get('key_fingerprint')}")
    if action == "signature.invalidated":
        return f"signature #{payload.get('signature_id')} ({payload.get('meaning')}): {payload.get('cause')}"
    if action.startswith("lock."):
        where = f" {payload.get('event_key')}.{payload.get('event_repeat')}" if payload.get("event_key") else ""
        return f"{payload.get('scope')} lock #{payload.get('lock_id')}{where}"
    if action.startswith("crf."):
        return f"form version {payload.get('form_version')}, revision {payload.get('revision')}, {payload.get('status', '')}".rstrip(", ")
    interesting = {k: v for k, v in payload.items() if k not in ("client_address", "user_signature", "public_key")}
    return shown(interesting)


def rows_of(entry: Entry, entry_hash: str, site_zone: str, field: str | None = None) -> list[TrailRow]:
    """The trail rows of one entry: one per changed field for CRF entries, else one."""
    record = entry.record
    base = dict(seq=entry.seq, entry_hash=entry_hash, ts=entry.ts, site_time=local_time(entry.ts, site_zone),
                who=entry.actor.name, role=entry.actor.role, action=entry.action, site=record.site,
                subject=record.subject, form=record.form, instance=record.instance, reason=entry.reason or "",
                detail=_detail(entry))
    payload = entry.payload
    rows: list[TrailRow] = []
    if entry.action in ("crf.created", "crf.updated") and (payload.get("changes") or payload.get("derived")):
        for change in payload.get("changes", []):
            rows.append(TrailRow(**base, field=change["field"], old=shown(change.get("old"), change.get("old_missing")),
                                 new=shown(change.get("new"), change.get("new_missing"))))
        for change in payload.get("derived", []):
            rows.append(TrailRow(**{**base, "detail": base["detail"] + ", derived"}, field=change["field"],
                                 old=shown(change.get("old")), new=shown(change.get("new"))))
    elif entry.action.startswith("query."):
        rows.append(TrailRow(**base, field=record.field, old="", new=payload.get("state", "")))
    elif entry.action.startswith("sdv.") and field is not None and field in payload.get("fields", []):
        rows.append(TrailRow(**base, field=field, old="", new=entry.action.split(".")[1]))
    else:
        rows.append(TrailRow(**base, field=record.field, old="", new=""))
    if field is not None:
        rows = [row for row in rows if row.field == field]
    return rows


def visible_site_codes(session: Session, user) -> set[str] | None:
    """Site codes whose trail ``user`` may read; ``None`` for the whole study.

    :raises PermissionDenied: for roles without the audit trail.
    """
    sites = site_ids_for(user, "audit.trail")
    if sites is None:
        return None
    if not sites:
        raise PermissionDenied("Your role does not give access to the audit trail.")
    return set(session.execute(select(Site.code).where(Site.id.in_(sites))).scalars())


def check_subject_access(session: Session, user, subject: Subject) -> None:
    """:raises PermissionDenied: unless the user may read the trail at the subject's site."""
    if not user_can(user, "audit.trail", subject.site_id):
        raise PermissionDenied("Your role does not give access to this subject's audit trail.")


def _statement(filters: TrailFilters, sites: set[str] | None, after: int, upto: int | None, batch: int):
    statement = select(LedgerEntry.seq, LedgerEntry.body, LedgerEntry.leaf_hash, LedgerEntry.site).where(LedgerEntry.seq > after)
    if upto is not None:
        statement = statement.where(LedgerEntry.seq <= upto)
    if sites is not None:
        statement = statement.where(LedgerEntry.site.in_(sites or {""}))
    if filters.subject:
        statement = statement.where(LedgerEntry.subject == filters.subject)
    if filters.instance:
        statement = statement.where(LedgerEntry.instance == filters.instance)
    if filters.form:
        statement = statement.where(LedgerEntry.form == filters.form)
    if filters.action:
        family = filters.action.rstrip(".")
        statement = statement.where((LedgerEntry.action == family) | LedgerEntry.action.like(f"{family}.%"))
    if filters.date_from:
        statement = statement.where(LedgerEntry.ts >= filters.date_from.isoformat())
    if filters.date_to:
        statement = statement.where(LedgerEntry.ts < _next_day(filters.date_to))
    return statement.order_by(LedgerEntry.seq).limit(batch)


def _next_day(day: date) -> str:
    return date.fromordinal(day.toordinal() + 1).isoformat()


def _zones(session: Session, default_zone: str) -> Callable[[str | None], str]:
    zones = dict(session.execute(select(Site.code, Site.timezone)).all())
    return lambda code: zones.get(code) or default_zone


def iter_trail(session: Session, user, filters: TrailFilters, *, default_zone: str, batch: int = BATCH,
               release_between_batches: bool = False, upto: int | None = None, after: int = 0) -> Iterator[TrailRow]:
    """Trail rows in ledger order, read ``batch`` entries at a time.

    :raises PermissionDenied: for roles without the audit trail (raised on the first ``next``).
    """
    sites = visible_site_codes(session, user)
    zone_of = _zones(session, default_zone)
    if upto is None:
        upto = session.execute(select(func.max(LedgerEntry.seq))).scalar() or 0
    actor = (filters.actor or "").strip().lower()
    while True:
        batch_rows = session.execute(_statement(filters, sites, after, upto, batch)).all()
        if release_between_batches:
            session.rollback()
        if not batch_rows:
            return
        for seq, body, leaf, site in batch_rows:
            entry = Entry.from_bytes(bytes(body))
            if actor and actor not in entry.actor.name.lower():
                continue
            if filters.field and not _touches_field(entry, filters.field):
                continue
            yield from rows_of(entry, bytes(leaf).hex(), zone_of(site), filters.field)
        after = batch_rows[-1][0]


def _touches_field(entry: Entry, field: str) -> bool:
    if entry.record.field == field:
        return True
    payload = entry.payload
    if any(c.get("field") == field for c in payload.get("changes", []) + payload.get("derived", [])):
        return True
    return field in payload.get("fields", [])


def trail(session: Session, user, filters: TrailFilters, *, default_zone: str, limit: int | None = None,
          after: int = 0) -> list[TrailRow]:
    """The first ``limit`` rows (all when None) of entries after sequence number ``after``, for a page."""
    rows: list[TrailRow] = []
    for row in iter_trail(session, user, filters, default_zone=default_zone, after=after):
        if limit is not None and len(rows) >= limit and row.seq != rows[-1].seq:
            break  # pages end between entries, so "after the last sequence number" resumes exactly
        rows.append(row)
    return rows


def csv_chunks(session: Session, user, filters: TrailFilters, *, default_zone: str, ledger=None,
               scope_label: str = "study", batch: int = BATCH) -> Iterator[str]:
    """The trail as CSV text, chunk by chunk, then the export's own ledger entry.

    The export is ledgered at the end (``export.audit_trail``) with the SHA-256 of exactly the bytes
    sent, which are only known once the last row is out.
    """
    sites = visible_site_codes(session, user)
    upto = session.execute(select(func.max(LedgerEntry.seq))).scalar() or 0
    digest = hashlib.sha256()
    count = 0
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in iter_trail(session, user, filters, default_zone=default_zone, batch=batch,
                          release_between_batches=True, upto=upto):
        writer.writerow(row.as_csv())
        count += 1
        if buffer.tell() > 64 * 1024:
            chunk = buffer.getvalue()
            digest.update(chunk.encode())
            yield chunk
            buffer.seek(0)
            buffer.truncate()
    chunk = buffer.getvalue()
    digest.update(chunk.encode())
    yield chunk
    if ledger is not None:
        try:
            ledger_service.append(
                session, ledger, actor=actor_of(user), action="export.audit_trail",
                record=RecordRef(subject=filters.subject, form=filters.form, instance=filters.instance, field=filters.field),
                payload={"scope": scope_label, "filters": filters.as_dict(), "rows": count, "upto_seq": upto,
                         "sites": sorted(sites) if sites is not None else "all", "sha256": digest.hexdigest()},
            )
            session.commit()
        except BaseException:
            session.rollback()
            raise


def parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
