"""Saving, changing and removing eCRF data: one service call, one transaction, one ledger entry.

The flow of :func:`save_form`: check permission and the entry gates, evaluate the form's edit
checks with facts from the subject's other forms, refuse on hard findings (nothing written), require
a reason for any change to a saved value, then write the values, the derived values and the ledger
entry together, and bring automatic queries, SDV marks and signatures in line with the change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import RecordRef
from forms.core import MISSING_REASONS, Evaluation, Finding, FormDef, evaluate, missing_required
from forms.harness import to_json_value
from forms.registry import UnknownForm, get_form
from forms.schedule import belongs, event

from ..models import FormInstance, ItemValue, Subject
from ..permissions import user_can
from ..wiring import actor_for
from . import context as form_context
from . import gates, hooks, identifiers, queries, sdv, signatures
from .records import find_instance
from . import ledger as ledger_service
from .errors import DomainError, EntryRefused, NotFound, PermissionDenied, StaleRecord

REASONS_FOR_CHANGE = (
    ("TRANSCRIPTION", "Transcription error"),
    ("SOURCE_UPDATED", "Source document updated"),
    ("QUERY_RESPONSE", "Response to a query"),
    ("NEW_INFORMATION", "New information received"),
    ("OTHER", "Other (explain)"),
)


class HardCheckFailed(DomainError):
    def __init__(self, findings: list[Finding]):
        self.findings = findings
        super().__init__("The form was not saved: " + " ".join(f.message for f in findings))


class ReasonRequired(DomainError):
    def __init__(self, changes: list["Change"]):
        self.changes = changes
        super().__init__("Changing a saved value needs a reason for change.")


@dataclass(frozen=True)
class Change:
    field: str
    old: str | None
    new: str | None
    old_missing: str | None = None
    new_missing: str | None = None


@dataclass(frozen=True)
class Slot:
    """Where a form instance lives in the casebook."""

    event_key: str
    event_repeat: int
    form_key: str
    repeat_no: int

    @property
    def ref(self) -> str:
        return f"{self.event_key}.{self.event_repeat}/{self.form_key}.{self.repeat_no}"


@dataclass
class SaveResult:
    instance: FormInstance
    evaluation: Evaluation
    changes: list[Change] = field(default_factory=list)


def _clean(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def current_values(instance: FormInstance | None) -> dict[str, ItemValue]:
    if instance is None:
        return {}
    return {v.field: v for v in instance.values if not v.derived}


def derived_values(instance: FormInstance | None) -> dict[str, ItemValue]:
    if instance is None:
        return {}
    return {v.field: v for v in instance.values if v.derived}


def form_for(instance: FormInstance | None, slot: Slot, posted_version: int | None) -> FormDef:
    """The declaration to use: the instance's own version once captured, else the latest.

    :raises DomainError: when the page was built for another version than the record's.
    """
    try:
        form = get_form(slot.form_key, instance.form_version if instance else None)
    except UnknownForm:
        raise NotFound(f"There is no form {slot.form_key}.") from None
    if posted_version is not None and posted_version != form.version:
        raise StaleRecord(
            f"This page was built for version {posted_version} of the form but the record uses version "
            f"{form.version}. Nothing was saved: reload the page."
        )
    return form


def compute_changes(form: FormDef, instance: FormInstance | None, data: Mapping[str, Any], missing: Mapping[str, str]) -> list[Change]:
    """Field-level differences between what is stored and what was submitted."""
    stored = current_values(instance)
    changes = []
    for spec in form.entered_fields:
        new = _clean(data.get(spec.name))
        new_missing = None if new is not None else (missing.get(spec.name) or None)
        old_row = stored.get(spec.name)
        old = old_row.value if old_row else None
        old_missing = old_row.missing_reason if old_row else None
        if (old, old_missing) != (new, new_missing):
            changes.append(Change(spec.name, old, new, old_missing, new_missing))
    return changes


def needs_reason(changes: list[Change]) -> list[Change]:
    """Changes to a value (or a missing-data reason) that had been saved before (Part 11 11.10(e))."""
    return [c for c in changes if c.old is not None or c.old_missing is not None]


def evaluate_for_subject(session: Session, subject: Subject, form: FormDef, slot: Slot, data: Mapping[str, Any],
                         instance: FormInstance | None = None) -> Evaluation:
    context = form_context.build(session, subject, form.key, slot, data, instance)
    return evaluate(form, {k: _clean(v) for k, v in data.items()}, context)


def save_form(
    session: Session,
    ledger: ledger_service.LedgerConfig,
    user,
    subject: Subject,
    slot: Slot,
    data: Mapping[str, Any],
    missing: Mapping[str, str] | None = None,
    *,
    reason_code: str | None = None,
    reason_text: str | None = None,
    expected_revision: int | None = None,
    form_version: int | None = None,
) -> SaveResult:
    """Validate and save one form instance with its ledger entry, in the caller's transaction.

    :raises PermissionDenied: the user may not enter data at the subject's site.
    :raises EntryRefused: consent, enrolment, arm, withdrawal or a lock forbids this entry now.
    :raises HardCheckFailed: a hard edit check failed; nothing was written.  An eligibility criterion
        that is not met is not such a failure: the values are the source data and are saved; the
        derived ``eligible`` says the subject cannot be enrolled.
    :raises ReasonRequired: a saved value changes and no reason for change was given.
    :raises StaleRecord: the record changed since the page was opened.
    """
    missing = {k: v for k, v in (missing or {}).items() if v in dict(MISSING_REASONS)}
    if not user_can(user, "crf.enter", subject.site_id):
        raise PermissionDenied("Your role does not allow data entry for this subject.")
    if not belongs(slot.event_key, slot.form_key):
        raise NotFound(f"The form {slot.form_key} does not belong to {slot.event_key}.")
    instance = find_instance(session, subject, slot)
    if instance is not None and instance.removed:
        raise EntryRefused(["This form was removed; it cannot be edited."])
    if expected_revision is not None and instance is not None and instance.revision != expected_revision:
        raise StaleRecord("Someone saved this form after you opened it. Nothing was saved: reload to see their change, then enter yours again.")
    form = form_for(instance, slot, form_version)
    refusals = gates.entry_refusals(session, subject, slot, form.key)
    if refusals:
        raise EntryRefused(refusals)

    cleaned = {spec.name: _clean(data.get(spec.name)) for spec in form.entered_fields}
    result = evaluate_for_subject(session, subject, form, slot, cleaned, instance)
    if result.blocking:
        raise HardCheckFailed(result.blocking)
    changes = compute_changes(form, instance, cleaned, missing)
    if instance is not None and not changes:
        return SaveResult(instance, result, [])
    to_justify = needs_reason(changes)
    if to_justify and not (reason_code and reason_code in dict(REASONS_FOR_CHANGE) and (reason_text or "").strip()):
        raise ReasonRequired(to_justify)

    now = ledger.clock()
    created = instance is None
    if created:
        instance = FormInstance(
            subject_id=subject.id, event_key=slot.event_key, event_repeat=slot.event_repeat,
            form_key=form.key, form_version=form.version, repeat_no=slot.repeat_no, revision=0,
            created_at=now, updated_at=now,
        )
        session.add(instance)
        session.flush()
    _write_values(session, instance, changes)
    derived_changes = write_derived(session, instance, result.derived)
    incomplete = missing_required(form, cleaned, missing)
    instance.status = "incomplete" if incomplete else "complete"
    instance.revision += 1
    instance.updated_at = now
    session.flush()

    reason = f"{dict(REASONS_FOR_CHANGE)[reason_code]}: {reason_text.strip()}" if to_justify else None
    entry = ledger_service.append(
        session, ledger,
        actor=actor_for(user, subject.site_id),
        action="crf.created" if created else "crf.updated",
        record=RecordRef(site=subject.site.code, subject=subject.code, form=form.key, instance=instance.ref, field=None),
        payload={
            "form_version": form.version,
            "revision": instance.revision,
            "status": instance.status,
            "changes": [_change_payload(session, subject, form, c) for c in changes],
            "derived": derived_changes,
            "rule_version": _rule_version(form),
        },
        reason=reason,
    )
    changed_fields = {c.field for c in changes}
    sdv.invalidate_changed(session, ledger, user, subject, instance, changed_fields)
    signatures.invalidate_for_change(session, ledger, user, subject, instance, entry.ts)
    queries.sync_automatic(session, ledger, user, subject, instance, result.soft + incomplete)
    hooks.after_save(session, ledger, user, subject, instance, form, result, created)
    return SaveResult(instance, result, changes)


def remove_form(session: Session, ledger: ledger_service.LedgerConfig, user, subject: Subject, instance: FormInstance, reason: str) -> None:
    """Logically remove a form instance; nothing is physically deleted.

    :raises DomainError: without a reason, or when the record is locked.
    """
    if not user_can(user, "crf.enter", subject.site_id):
        raise PermissionDenied("Your role does not allow data entry for this subject.")
    if not (reason or "").strip():
        raise DomainError("Removing a form needs a reason.")
    refusals = gates.lock_refusals(session, subject, instance)
    if refusals:
        raise EntryRefused(refusals)
    instance.removed = True
    instance.removed_reason = reason.strip()
    instance.revision += 1
    session.flush()
    entry = ledger_service.append(
        session, ledger,
        actor=actor_for(user, subject.site_id),
        action="crf.removed",
        record=RecordRef(site=subject.site.code, subject=subject.code, form=instance.form_key, instance=instance.ref),
        payload={"form_version": instance.form_version, "revision": instance.revision},
        reason=reason.strip(),
    )
    signatures.invalidate_for_change(session, ledger, user, subject, instance, entry.ts)
    queries.sync_automatic(session, ledger, user, subject, instance, [])


def _write_values(session: Session, instance: FormInstance, changes: list[Change]) -> None:
    stored = current_values(instance)
    for change in changes:
        row = stored.get(change.field)
        if row is None:
            row = ItemValue(instance_id=instance.id, field=change.field, derived=False)
            session.add(row)
            instance.values.append(row)
        row.value = change.new
        row.missing_reason = change.new_missing


def _serialise_derived(value: Any) -> str | None:
    if value is None:
        return None
    json_value = to_json_value(value)
    if isinstance(json_value, bool):
        return "Y" if json_value else "N"
    if isinstance(json_value, list):
        return ", ".join(str(v) for v in json_value)
    return str(json_value)


def write_derived(session: Session, instance: FormInstance, derived: Mapping[str, Any]) -> list[dict]:
    stored = derived_values(instance)
    out = []
    version = _rule_version_from(derived)
    for name, value in sorted(derived.items()):
        if isinstance(value, (dict,)) or (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue  # structured derivations (e.g. deviation lists) are acted on by hooks, not stored as items
        text = _serialise_derived(value)
        row = stored.get(name)
        old = row.value if row else None
        if row is None:
            row = ItemValue(instance_id=instance.id, field=name, derived=True)
            session.add(row)
            instance.values.append(row)
        if old != text or row.rule_version != version:
            out.append({"field": name, "old": old, "new": text})
        row.value = text
        row.rule_version = version
    return out


def _rule_version_from(derived: Mapping[str, Any]) -> str | None:
    version = derived.get("RESP_RULE_VERSION") or derived.get("RULE_VERSION")
    return str(version) if version else None


def _rule_version(form: FormDef) -> str:
    return f"{form.key}/v{form.version}"


def _change_payload(session: Session, subject: Subject, form: FormDef, change: Change) -> dict:
    spec = form.field(change.field)
    old, new = change.old, change.new
    if spec.identifier:
        old = identifiers.seal(session, subject, old, change.field)
        new = identifiers.seal(session, subject, new, change.field)
    return {"field": change.field, "old": old, "new": new, "old_missing": change.old_missing, "new_missing": change.new_missing}


def instance_for_view(session: Session, subject: Subject, slot: Slot) -> tuple[FormDef, FormInstance | None]:
    instance = find_instance(session, subject, slot)
    return form_for(instance, slot, None), instance


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
