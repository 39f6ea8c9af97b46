"""The study data as every export sees it: subjects, their form instances in schedule order, and each
item's current value with its declaration - after the identifier policy has been applied once.

Identifiers (fields declared ``identifier=True``, e.g. BRTHDTC) leave the system only for roles
holding ``export.identified``; everyone else gets them dropped or replaced by a keyed pseudonym
(HMAC-SHA-256 under a key derived from the application secret, bound to subject and field, so the
same date of birth gives the same token within a subject and nothing across subjects).
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.core import Field, FormDef
from forms.registry import UnknownForm, get_form
from forms.schedule import all_events

from ...models import FormInstance, Site, Subject
from ...permissions import site_ids_for, user_can
from ..errors import NotFound, PermissionDenied
from ..records import restrict_to_sites

IdentifierMode = Literal["deidentified", "pseudonymised", "identified"]
IDENTIFIER_MODES: dict[str, str] = {
    "deidentified": "De-identified: direct identifiers dropped",
    "pseudonymised": "Pseudonymised: direct identifiers replaced by keyed tokens",
    "identified": "Identified: direct identifiers included (restricted)",
}
PSEUDONYM_PREFIX = "PSEUDO-"


@dataclass(frozen=True)
class IdentifierPolicy:
    mode: IdentifierMode
    key: bytes = b""

    @property
    def drops(self) -> bool:
        return self.mode == "deidentified"

    def apply(self, subject_code: str, field_name: str, value: str | None) -> str | None:
        """The value of an identifier field as this export may show it."""
        if value is None or self.mode == "identified":
            return value
        if self.mode == "deidentified":
            return None
        message = f"{subject_code}\x00{field_name}\x00{value}".encode("utf-8")
        return PSEUDONYM_PREFIX + hmac.new(self.key, message, hashlib.sha256).hexdigest()[:16]


def policy_for(user, requested: str | None, secret: str | bytes) -> IdentifierPolicy:
    """The policy a user asked for, refused when identifiers are asked for without the right.

    :raises PermissionDenied: ``identified`` requested by a role without ``export.identified``.
    """
    mode = requested if requested in IDENTIFIER_MODES else "deidentified"
    if mode == "identified" and not user_can(user, "export.identified"):
        raise PermissionDenied("Your role may not export direct identifiers; choose a de-identified export.")
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    key = hmac.new(raw, b"nk-edc export pseudonyms v1", hashlib.sha256).digest()
    return IdentifierPolicy(mode, key)  # type: ignore[arg-type]


@dataclass
class ItemRow:
    """One item of a form instance as exported; ``spec`` is None for a derived value the form
    computes but does not declare as a field (e.g. the screening verdict)."""

    name: str
    spec: Field | None
    value: str | None
    missing_reason: str | None
    derived: bool
    rule_version: str | None = None
    withheld: bool = False

    @property
    def label(self) -> str:
        return self.spec.label if self.spec else self.name

    @property
    def unit(self) -> str | None:
        return self.spec.unit if self.spec else None

    @property
    def decode(self) -> str | None:
        """The label of a coded value (None for uncoded items)."""
        if self.spec is None or not self.spec.choices or self.value is None:
            return None
        return self.spec.label_of(self.value)

    @property
    def identifier(self) -> bool:
        return bool(self.spec and self.spec.identifier)


@dataclass
class FormRecord:
    instance: FormInstance
    form: FormDef
    items: list[ItemRow]

    @property
    def ref(self) -> str:
        return self.instance.ref

    def item(self, name: str) -> ItemRow | None:
        return next((row for row in self.items if row.name == name), None)


@dataclass
class SubjectRecord:
    subject: Subject
    site: Site
    forms: list[FormRecord]


def _schedule_position() -> dict[tuple[str, str], tuple[int, int]]:
    order: dict[tuple[str, str], tuple[int, int]] = {}
    for event_index, spec in enumerate(all_events()):
        for form_index, form_key in enumerate(spec.forms):
            order[(spec.key, form_key)] = (event_index, form_index)
    return order


def form_declaration(instance: FormInstance) -> FormDef | None:
    try:
        return get_form(instance.form_key, instance.form_version)
    except UnknownForm:
        return None


def form_record(instance: FormInstance, form: FormDef, subject_code: str, policy: IdentifierPolicy) -> FormRecord:
    stored = {value.field: value for value in instance.values}
    items: list[ItemRow] = []
    for spec in form.fields:
        row = stored.get(spec.name)
        value = row.value if row else None
        withheld = False
        if spec.identifier:
            shown = policy.apply(subject_code, spec.name, value)
            withheld = value is not None and shown is None
            value = shown
        items.append(ItemRow(
            name=spec.name, spec=spec, value=value, missing_reason=row.missing_reason if row else None,
            derived=spec.derived or bool(row and row.derived), rule_version=row.rule_version if row else None,
            withheld=withheld,
        ))
    declared = {spec.name for spec in form.fields}
    for name in sorted(set(stored) - declared):
        row = stored[name]
        if row.derived:
            items.append(ItemRow(name, None, row.value, row.missing_reason, True, row.rule_version))
    return FormRecord(instance, form, items)


def visible_subject_query(user):
    query = select(Subject).order_by(Subject.code)
    sites = site_ids_for(user, "export.data")
    query = restrict_to_sites(query, Subject.site_id, sites)
    return query


def load_subjects(session: Session, user, policy: IdentifierPolicy, subject_code: str | None = None,
                  include_removed: bool = False) -> list[SubjectRecord]:
    """Every subject the user may export (or just ``subject_code``), with their form instances.

    :raises NotFound: when ``subject_code`` names no subject the user may export.
    """
    query = visible_subject_query(user)
    if subject_code is not None:
        query = query.where(Subject.code == subject_code)
    subjects = list(session.execute(query).scalars())
    if subject_code is not None and not subjects:
        raise NotFound(f"No subject {subject_code} that you may export.")
    order = _schedule_position()
    records: list[SubjectRecord] = []
    for subject in subjects:
        instances = session.execute(select(FormInstance).where(FormInstance.subject_id == subject.id)).scalars()
        forms: list[FormRecord] = []
        for instance in sorted(instances, key=lambda i: (order.get((i.event_key, i.form_key), (99, 99))[0], i.event_repeat,
                                                          order.get((i.event_key, i.form_key), (99, 99))[1], i.repeat_no)):
            if instance.removed and not include_removed:
                continue
            form = form_declaration(instance)
            if form is not None:
                forms.append(form_record(instance, form, subject.code, policy))
        records.append(SubjectRecord(subject, subject.site, forms))
    return records


def export_subject_codes(session: Session, user) -> list[str]:
    return [subject.code for subject in session.execute(visible_subject_query(user)).scalars()]


def require_export_right(user) -> None:
    if not user_can(user, "export.data"):
        raise PermissionDenied("Your role does not allow data exports.")
