"""The printable subject casebook: everything the template needs, gathered in one pass.

Every form as captured (derived values marked with their rule version, removed forms shown as
removed), its queries open and closed with their messages, its e-signature manifestations
(printed name, date and time with time zone, meaning - 21 CFR 11.50), its SDV status per field,
and an audit-trail appendix read from the ledger.  The footer names the signed ledger checkpoint
the casebook was produced against, so a reader can later prove the ledger still extends it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import ESignature, LedgerCheckpoint, Query, SdvMark, User
from ...models.monitoring import SIGNATURE_MEANINGS
from .dataset import FormRecord, IdentifierPolicy, SubjectRecord
from .history import AuditLine, subject_audit_lines


def when(moment: datetime | str | None, zone: str) -> str:
    """'2026-03-04 10:15:02 UTC (13:45 Asia/Tehran, UTC+03:30)': the instant with its time zones."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    utc = moment.astimezone(timezone.utc)
    local = utc.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{utc:%Y-%m-%d %H:%M:%S} UTC ({local:%Y-%m-%d %H:%M} {zone}, UTC{offset[:3]}:{offset[3:]})"


@dataclass
class Manifestation:
    printed_name: str
    signed_at: str
    meaning: str
    meaning_code: str
    scope: str
    valid: bool
    invalidated: str | None


@dataclass
class QueryView:
    id: int
    field: str | None
    state: str
    automatic: bool
    text: str
    opened_at: str
    messages: list[tuple[str, str, str, str]]
    """(time, author, transition, text)"""


@dataclass
class FormPage:
    record: FormRecord
    queries: list[QueryView]
    signatures: list[Manifestation]
    sdv: dict[str, str]
    """field -> 'verified by <name> on <time>' for current marks."""

    @property
    def sdv_summary(self) -> str:
        entered = [item for item in self.record.items if not item.derived and (item.value is not None or item.missing_reason)]
        done = sum(1 for item in entered if item.name in self.sdv)
        return f"{done} of {len(entered)} entered fields verified against source"


@dataclass
class Casebook:
    subject: SubjectRecord
    zone: str
    pages: list[FormPage]
    subject_signatures: list[Manifestation]
    audit: list[AuditLine]
    checkpoint: LedgerCheckpoint
    produced_by: str
    produced_at: str
    policy: IdentifierPolicy
    identifier_fields: set[str] = field(default_factory=set)


def _names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.printed_name)).all())


def _manifestation(signature: ESignature, zone: str) -> Manifestation:
    return Manifestation(
        printed_name=signature.printed_name, signed_at=when(signature.signed_at, zone),
        meaning=SIGNATURE_MEANINGS.get(signature.meaning, signature.meaning), meaning_code=signature.meaning,
        scope=signature.scope, valid=signature.valid,
        invalidated=(f"{when(signature.invalidated_at, zone)}: {signature.invalidated_reason}" if not signature.valid else None),
    )


def build_casebook(session: Session, subject: SubjectRecord, policy: IdentifierPolicy, checkpoint: LedgerCheckpoint,
                   produced_by: str, produced_at: datetime) -> Casebook:
    zone = subject.site.timezone
    names = _names(session)
    subject_id = subject.subject.id
    signatures = list(session.execute(
        select(ESignature).where(ESignature.subject_id == subject_id).order_by(ESignature.signed_at)).scalars())
    queries = list(session.execute(select(Query).where(Query.subject_id == subject_id).order_by(Query.id)).scalars())
    instance_ids = [record.instance.id for record in subject.forms]
    marks = list(session.execute(
        select(SdvMark).where(SdvMark.instance_id.in_(instance_ids or [-1]), SdvMark.current.is_(True))).scalars())
    pages = []
    for record in subject.forms:
        instance_id = record.instance.id
        page_queries = [
            QueryView(q.id, q.field, q.state, q.automatic, q.text, when(q.opened_at, zone), [
                (when(m.created_at, zone), names.get(m.author_id, "EDC system") if m.author_id else "EDC system",
                 m.transition, m.text) for m in q.messages
            ]) for q in queries if q.instance_id == instance_id
        ]
        page_signatures = [_manifestation(s, zone) for s in signatures
                           if s.instance_id == instance_id and s.scope not in ("event", "casebook")]
        sdv = {m.field: f"verified by {names.get(m.verified_by, m.verified_by)} on {when(m.verified_at, zone)}"
               for m in marks if m.instance_id == instance_id}
        pages.append(FormPage(record, page_queries, page_signatures, sdv))
    subject_signatures = [_manifestation(s, zone) for s in signatures if s.scope in ("event", "casebook")]
    identifier_fields = {item.name for record in subject.forms for item in record.items if item.identifier}
    audit = subject_audit_lines(session, policy, subject.subject.code, identifier_fields)
    return Casebook(subject, zone, pages, subject_signatures, audit, checkpoint, produced_by,
                    when(produced_at, zone), policy, identifier_fields)
