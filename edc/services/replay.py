"""The current values are a projection of the ledger: rebuild them and compare with the tables.

A difference means the tables were changed behind the ledger's back (or the ledger was), which the
verifier alone cannot see: it proves the ledger intact, replay proves the tables agree with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import Entry
from audit.identifiers import IdentifierError, is_sealed

from ..models import FormInstance, LedgerEntry, Subject
from . import identifiers

ERASED = object()


@dataclass
class Projection:
    form_version: int
    revision: int = 0
    status: str = ""
    removed: bool = False
    values: dict[str, tuple[object, str | None]] = field(default_factory=dict)
    derived: dict[str, str | None] = field(default_factory=dict)


def _open(session: Session, subjects: dict[str, Subject], subject_code: str, field_name: str, value):
    if not is_sealed(value):
        return value
    subject = subjects[subject_code]
    try:
        opened = identifiers.unseal(session, subject, value, field_name)
    except IdentifierError:
        return ERASED
    return ERASED if opened is None else opened


def rebuild(session: Session) -> dict[tuple[str, str], Projection]:
    """Form values per (subject code, instance ref), from the ledger entries alone."""
    subjects = {s.code: s for s in session.execute(select(Subject)).scalars()}
    projections: dict[tuple[str, str], Projection] = {}
    rows = session.execute(
        select(LedgerEntry.body).where(LedgerEntry.action.in_(("crf.created", "crf.updated", "crf.removed"))).order_by(LedgerEntry.seq)
    ).scalars()
    for body in rows:
        entry = Entry.from_bytes(bytes(body))
        key = (entry.record.subject, entry.record.instance)
        payload = entry.payload
        projection = projections.setdefault(key, Projection(form_version=payload["form_version"]))
        projection.revision = payload["revision"]
        if entry.action == "crf.removed":
            projection.removed = True
            continue
        projection.status = payload["status"]
        for change in payload["changes"]:
            value = _open(session, subjects, entry.record.subject, change["field"], change["new"])
            projection.values[change["field"]] = (value, change["new_missing"])
        for change in payload["derived"]:
            projection.derived[change["field"]] = change["new"]
    return projections


def compare_with_tables(session: Session) -> list[str]:
    """Human-readable differences between the rebuilt projection and the stored tables."""
    expected = rebuild(session)
    differences: list[str] = []
    seen: set[tuple[str, str]] = set()
    instances = session.execute(select(FormInstance, Subject.code).join(Subject, Subject.id == FormInstance.subject_id)).all()
    for instance, subject_code in instances:
        key = (subject_code, instance.ref)
        seen.add(key)
        where = f"{subject_code} {instance.ref}"
        projection = expected.get(key)
        if projection is None:
            differences.append(f"{where}: form instance exists in the tables but not in the ledger")
            continue
        if (instance.revision, instance.removed, instance.form_version) != (projection.revision, projection.removed, projection.form_version):
            differences.append(
                f"{where}: revision/removed/version is {instance.revision}/{instance.removed}/{instance.form_version} "
                f"in the tables but {projection.revision}/{projection.removed}/{projection.form_version} in the ledger"
            )
        stored = {v.field: v for v in instance.values}
        for name, (value, missing) in projection.values.items():
            row = stored.get(name)
            if value is ERASED:
                continue
            actual = (row.value, row.missing_reason) if row is not None and not row.derived else (None, None)
            if actual != (value, missing):
                differences.append(f"{where} field {name}: tables hold {actual[0]!r} but the ledger says {value!r}")
        for name, row in stored.items():
            if row.derived:
                if projection.derived.get(name, row.value) != row.value:
                    differences.append(f"{where} derived {name}: tables hold {row.value!r} but the ledger says {projection.derived[name]!r}")
            elif name not in projection.values and (row.value is not None or row.missing_reason is not None):
                differences.append(f"{where} field {name}: value {row.value!r} in the tables was never ledgered")
    for key in expected.keys() - seen:
        differences.append(f"{key[0]} {key[1]}: ledgered form instance missing from the tables")
    return differences
