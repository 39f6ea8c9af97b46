"""CDISC ODM 1.3.2 XML: study metadata and clinical data with audit records and signatures.

Structure emitted (children in the order the ODM 1.3.2 schema requires)::

    ODM (FileType Snapshot, Granularity All | SingleSubject)
      Study / GlobalVariables, BasicDefinitions (MeasurementUnit), MetaDataVersion
          (Protocol, StudyEventDef, FormDef, ItemGroupDef, ItemDef, CodeList, MethodDef)
      AdminData / User, Location, SignatureDef
      ClinicalData / SubjectData / StudyEventData / FormData / ItemGroupData / ItemData

OIDs: ``SE.<EVENT>``, ``F.<FORM>.V<n>``, ``IG.<FORM>.V<n>``, ``IT.<FIELD>`` (the spec's field name;
``IT.<FORM>.<FIELD>`` only where one name carries two different definitions), ``CL.<FIELD>``,
``MU.<unit>``, ``MT.<FORM>.V<n>`` (derivations), ``USR.<id>``, ``LOC.<site>``, ``SD.<meaning>``.

Each ItemData carries the standard ``AuditRecord`` of its latest change (UserRef, LocationRef,
DateTimeStamp, ReasonForChange, SourceID = ``ledger:<seq>``).  The full history with old and new
values, which ODM's AuditRecord has no place for, is a vendor extension inside ItemData
(``nk:AuditTrail/nk:Change``, namespace :data:`NK_NS`); so is the missing-data reason beside
``IsNull="Yes"``.  Extension content sits where ODM 1.3.2 allows it: after the standard children.
"""
from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import IO
from xml.etree import ElementTree as ET

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.core import Field, FormDef
from forms.registry import all_forms
from forms.schedule import all_events

from ...models import ESignature
from ...models.monitoring import SIGNATURE_MEANINGS
from .dataset import FormRecord, IdentifierPolicy, SubjectRecord
from .history import FieldChange, field_changes

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
NK_NS = "https://nk-edc.example/ns/odm-extension/v1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STUDY_OID = "ST.NCT06674265"
MDV_OID = "MDV.NK-EDC.1"
SYSTEM_USER_OID = "USR.SYSTEM"
DATA_TYPES = {
    "text": "text", "integer": "integer", "decimal": "float", "date": "date", "datetime": "datetime",
    "time": "time", "code": "text", "yesno": "text",
}
LEGAL_REASON = "Electronic signature under 21 CFR Part 11: the signer's printed name, date, time and meaning are bound to the signed content."

ET.register_namespace("", ODM_NS)
ET.register_namespace("nk", NK_NS)


def _q(tag: str) -> str:
    return f"{{{ODM_NS}}}{tag}"


def _nk(name: str) -> str:
    return f"{{{NK_NS}}}{name}"


def _sub(parent: ET.Element, tag: str, attrs: dict[str, str | None] | None = None, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: v for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _translated(parent: ET.Element, tag: str, text: str) -> None:
    _sub(_sub(parent, _q(tag)), _q("TranslatedText"), {XML_LANG: "en"}, text)


def _slug(text: str) -> str:
    replaced = (text.replace("µ", "u").replace("°", "deg").replace("%", "pct").replace("/", "_per_")
                .replace("×", "x").replace("²", "2").replace("³", "3"))
    ascii_text = unicodedata.normalize("NFKD", replaced).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "_", ascii_text).strip("_") or "unit"


def odm_value(spec: Field | None, value: str) -> str:
    """The value in the ODM lexical form of its DataType (entered date-times use a space)."""
    kind = spec.type if spec else "text"
    if kind == "datetime":
        text = value.strip().replace(" ", "T")
        return text + ":00" if len(text) == 16 else text
    if kind == "time":
        return value + ":00" if len(value) == 5 else value
    return value


@dataclass
class Metadata:
    """OIDs of every declared form, item, code list and unit (plus undeclared derived values)."""

    forms: list[FormDef]
    extra_derived: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    item_oids: dict[tuple[str, int, str], str] = field(default_factory=dict)
    item_defs: dict[str, tuple[Field, FormDef]] = field(default_factory=dict)
    unit_oids: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def form_oid(key: str, version: int) -> str:
        return f"F.{key.upper()}.V{version}"

    @staticmethod
    def group_oid(key: str, version: int) -> str:
        return f"IG.{key.upper()}.V{version}"

    @staticmethod
    def method_oid(key: str, version: int) -> str:
        return f"MT.{key.upper()}.V{version}"

    @staticmethod
    def event_oid(key: str) -> str:
        return f"SE.{key.upper()}"

    def fields_of(self, form: FormDef) -> list[Field]:
        extra = [Field(name, name, "text", derived=True) for name in self.extra_derived.get((form.key, form.version), [])]
        return list(form.fields) + extra

    def item_oid(self, form: FormDef, name: str) -> str:
        return self.item_oids[(form.key, form.version, name)]


def _signature(spec: Field) -> tuple:
    return (spec.type, spec.unit, spec.choices if spec.type in ("code", "yesno") else (), spec.label, spec.identifier, spec.derived)


def build_metadata(extra_derived: dict[tuple[str, int], list[str]] | None = None) -> Metadata:
    meta = Metadata(all_forms(latest_only=False), dict(extra_derived or {}))
    for form in meta.forms:
        for spec in meta.fields_of(form):
            candidates = (f"IT.{spec.name}", f"IT.{form.key.upper()}.{spec.name}", f"IT.{form.key.upper()}.V{form.version}.{spec.name}")
            for oid in candidates:
                known = meta.item_defs.get(oid)
                if known is None or _signature(known[0]) == _signature(spec):
                    meta.item_defs.setdefault(oid, (spec, form))
                    meta.item_oids[(form.key, form.version, spec.name)] = oid
                    break
            if spec.unit and spec.unit not in meta.unit_oids:
                oid = f"MU.{_slug(spec.unit)}"
                while oid in meta.unit_oids.values():
                    oid += "_"
                meta.unit_oids[spec.unit] = oid
    return meta


def _codelist_oid(item_oid: str, spec: Field) -> str:
    if spec.type == "yesno" and not spec.codes:
        return "CL.YN"
    return "CL." + item_oid[len("IT."):]


def _write_study(root: ET.Element, meta: Metadata, policy: IdentifierPolicy) -> None:
    study = _sub(root, _q("Study"), {"OID": STUDY_OID})
    globals_ = _sub(study, _q("GlobalVariables"))
    _sub(globals_, _q("StudyName"), text="NCT06674265")
    _sub(globals_, _q("StudyDescription"), text="Allogeneic NK cells in paediatric relapsed/refractory neuroblastoma")
    _sub(globals_, _q("ProtocolName"), text="NCT06674265")
    basic = _sub(study, _q("BasicDefinitions"))
    for symbol, oid in meta.unit_oids.items():
        unit = _sub(basic, _q("MeasurementUnit"), {"OID": oid, "Name": symbol})
        _translated(unit, "Symbol", symbol)
    mdv = _sub(study, _q("MetaDataVersion"), {"OID": MDV_OID, "Name": "NK-EDC form declarations"})
    events = all_events()
    protocol = _sub(mdv, _q("Protocol"))
    for order, spec in enumerate(events, start=1):
        _sub(protocol, _q("StudyEventRef"), {"StudyEventOID": meta.event_oid(spec.key), "OrderNumber": str(order),
                                             "Mandatory": "Yes" if spec.key == "screening" else "No"})
    for spec in events:
        event_def = _sub(mdv, _q("StudyEventDef"), {
            "OID": meta.event_oid(spec.key), "Name": spec.label, "Repeating": "Yes" if spec.repeating else "No",
            "Type": "Unscheduled" if spec.key == "unscheduled" else ("Common" if spec.key == "logs" else "Scheduled"),
        })
        order = 0
        for form_key in spec.forms:
            for form in (f for f in meta.forms if f.key == form_key):
                order += 1
                _sub(event_def, _q("FormRef"), {"FormOID": meta.form_oid(form.key, form.version),
                                                "OrderNumber": str(order), "Mandatory": "No"})
    for form in meta.forms:
        form_def = _sub(mdv, _q("FormDef"), {"OID": meta.form_oid(form.key, form.version),
                                             "Name": f"{form.title} (v{form.version})",
                                             "Repeating": "Yes" if form.repeating else "No"})
        _sub(form_def, _q("ItemGroupRef"), {"ItemGroupOID": meta.group_oid(form.key, form.version), "Mandatory": "Yes"})
    for form in meta.forms:
        group = _sub(mdv, _q("ItemGroupDef"), {"OID": meta.group_oid(form.key, form.version), "Name": form.title, "Repeating": "No"})
        for order, spec in enumerate(meta.fields_of(form), start=1):
            _sub(group, _q("ItemRef"), {
                "ItemOID": meta.item_oid(form, spec.name), "OrderNumber": str(order),
                "Mandatory": "Yes" if spec.required and not spec.derived else "No",
                "MethodOID": meta.method_oid(form.key, form.version) if spec.derived else None,
            })
    codelists: dict[str, Field] = {}
    for oid, (spec, _form) in meta.item_defs.items():
        pseudonymised = spec.identifier and policy.mode == "pseudonymised"
        data_type = "text" if pseudonymised else DATA_TYPES[spec.type]
        attrs = {"OID": oid, "Name": spec.name, "DataType": data_type}
        if data_type == "text":
            attrs["Length"] = str(max(spec.max_length, 32))
        elif data_type == "integer":
            attrs["Length"] = "18"
        if spec.identifier:
            attrs[_nk("Identifier")] = "Yes"
        item = _sub(mdv, _q("ItemDef"), attrs)
        _translated(item, "Question", spec.label)
        if spec.unit:
            _sub(item, _q("MeasurementUnitRef"), {"MeasurementUnitOID": meta.unit_oids[spec.unit]})
        if spec.type in ("integer", "decimal") and not pseudonymised:
            for comparator, bound in (("GE", spec.min), ("LE", spec.max)):
                if bound is not None:
                    check = _sub(item, _q("RangeCheck"), {"Comparator": comparator, "SoftHard": "Hard"})
                    _sub(check, _q("CheckValue"), text=str(bound))
        if spec.choices and spec.type in ("code", "yesno"):
            codelist = _codelist_oid(oid, spec)
            codelists.setdefault(codelist, spec)
            _sub(item, _q("CodeListRef"), {"CodeListOID": codelist})
    for oid, spec in codelists.items():
        codelist = _sub(mdv, _q("CodeList"), {"OID": oid, "Name": "Yes/No" if oid == "CL.YN" else spec.label, "DataType": "text"})
        for code, label in spec.choices:
            item = _sub(codelist, _q("CodeListItem"), {"CodedValue": code})
            _translated(item, "Decode", label)
    for form in meta.forms:
        if any(spec.derived for spec in meta.fields_of(form)):
            method = _sub(mdv, _q("MethodDef"), {"OID": meta.method_oid(form.key, form.version),
                                                 "Name": f"{form.key} v{form.version} derivations", "Type": "Computation"})
            _translated(method, "Description", f"Computed by the {form.title} declaration, rule version {form.key}/v{form.version}")


@dataclass
class _People:
    users: dict[str, str] = field(default_factory=dict)
    sites: dict[str, str] = field(default_factory=dict)

    def user(self, user_id: int | None, name: str) -> str:
        oid = SYSTEM_USER_OID if user_id is None else f"USR.{user_id}"
        self.users.setdefault(oid, name)
        return oid

    def site(self, code: str, name: str | None = None) -> str:
        oid = f"LOC.{code}"
        if name or oid not in self.sites:
            self.sites[oid] = name or self.sites.get(oid) or code
        return oid


def _audit_record(parent: ET.Element, change: FieldChange, people: _People, fallback_site: str) -> None:
    record = _sub(parent, _q("AuditRecord"))
    _sub(record, _q("UserRef"), {"UserOID": people.user(change.actor.user_id, change.actor.name)})
    _sub(record, _q("LocationRef"), {"LocationOID": people.site(change.site or fallback_site)})
    _sub(record, _q("DateTimeStamp"), text=change.ts)
    if change.reason:
        _sub(record, _q("ReasonForChange"), text=change.reason)
    _sub(record, _q("SourceID"), text=f"ledger:{change.seq}")


def _trail(parent: ET.Element, changes: list[FieldChange], people: _People, fallback_site: str, spec: Field | None) -> None:
    trail = _sub(parent, _nk("AuditTrail"))
    for change in changes:
        _sub(trail, _nk("Change"), {
            "SourceID": f"ledger:{change.seq}",
            "TransactionType": "Insert" if change.old is None and change.old_missing is None else "Update",
            "DateTimeStamp": change.ts,
            "UserOID": people.user(change.actor.user_id, change.actor.name),
            "LocationOID": people.site(change.site or fallback_site),
            "ReasonForChange": change.reason,
            "OldValue": odm_value(spec, change.old) if change.old is not None else None,
            "NewValue": odm_value(spec, change.new) if change.new is not None else None,
            "OldMissingReason": change.old_missing,
            "NewMissingReason": change.new_missing,
        })


def _signature_element(parent: ET.Element, signature: ESignature, people: _People, site_code: str) -> None:
    element = _sub(parent, _q("Signature"))
    _sub(element, _q("UserRef"), {"UserOID": people.user(signature.signer_id, signature.printed_name)})
    _sub(element, _q("LocationRef"), {"LocationOID": people.site(site_code)})
    _sub(element, _q("SignatureRef"), {"SignatureOID": f"SD.{signature.meaning}"})
    _sub(element, _q("DateTimeStamp"), text=signature.signed_at.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"))


def _valid_signatures(session: Session, subject_id: int) -> list[ESignature]:
    return list(session.execute(
        select(ESignature).where(ESignature.subject_id == subject_id, ESignature.valid.is_(True)).order_by(ESignature.signed_at.desc())
    ).scalars())


def _write_form(parent: ET.Element, meta: Metadata, record: FormRecord, history: dict[str, list[FieldChange]],
                signature: ESignature | None, people: _People, site_code: str) -> None:
    form, instance = record.form, record.instance
    form_data = _sub(parent, _q("FormData"), {
        "FormOID": meta.form_oid(form.key, form.version),
        "FormRepeatKey": str(instance.repeat_no) if form.repeating else None,
        _nk("Status"): instance.status, _nk("Revision"): str(instance.revision),
    })
    if signature is not None:
        _signature_element(form_data, signature, people, site_code)
    group = _sub(form_data, _q("ItemGroupData"), {"ItemGroupOID": meta.group_oid(form.key, form.version)})
    for item in record.items:
        if item.withheld or (item.value is None and item.missing_reason is None):
            continue
        attrs: dict[str, str | None] = {"ItemOID": meta.item_oid(form, item.name)}
        if item.value is not None:
            attrs["Value"] = odm_value(item.spec, item.value)
        else:
            attrs["IsNull"] = "Yes"
            attrs[_nk("MissingReason")] = item.missing_reason
        if item.derived and item.rule_version:
            attrs[_nk("RuleVersion")] = item.rule_version
        element = _sub(group, _q("ItemData"), attrs)
        changes = history.get(item.name, [])
        if item.identifier and item.withheld:
            changes = []
        if changes:
            _audit_record(element, changes[-1], people, site_code)
            _trail(element, changes, people, site_code, item.spec)


def _extra_derived(subjects: list[SubjectRecord]) -> dict[tuple[str, int], list[str]]:
    extra: dict[tuple[str, int], set[str]] = {}
    for subject in subjects:
        for record in subject.forms:
            for item in record.items:
                if item.spec is None:
                    extra.setdefault((record.form.key, record.form.version), set()).add(item.name)
    return {key: sorted(names) for key, names in extra.items()}


def build_odm(session: Session, subjects: list[SubjectRecord], policy: IdentifierPolicy, *, single_subject: bool,
              created: datetime | None = None) -> ET.ElementTree:
    """The ODM document for ``subjects`` (the whole study, or one subject when ``single_subject``)."""
    meta = build_metadata(_extra_derived(subjects))
    created = created or datetime.now(timezone.utc)
    root = ET.Element(_q("ODM"), {
        "FileType": "Snapshot", "Granularity": "SingleSubject" if single_subject else "All",
        "FileOID": f"NK-EDC.{created:%Y%m%dT%H%M%S}.{uuid.uuid4().hex[:12]}",
        "CreationDateTime": created.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "ODMVersion": "1.3.2", "Originator": "NK-EDC", "SourceSystem": "NK-EDC",
        _nk("IdentifierPolicy"): policy.mode,
    })
    _write_study(root, meta, policy)
    admin = _sub(root, _q("AdminData"), {"StudyOID": STUDY_OID})
    clinical = ET.Element(_q("ClinicalData"), {"StudyOID": STUDY_OID, "MetaDataVersionOID": MDV_OID})
    people = _People()
    history = field_changes(session, policy, [s.subject.code for s in subjects])
    meanings: set[str] = set()
    site_dates: dict[str, date] = {}
    for subject_record in subjects:
        subject, site = subject_record.subject, subject_record.site
        site_oid = people.site(site.code, site.name)
        site_dates[site_oid] = site.created_at.date()
        signatures = _valid_signatures(session, subject.id)
        subject_data = _sub(clinical, _q("SubjectData"), {"SubjectKey": subject.code, _nk("Status"): subject.status,
                                                           _nk("Arm"): subject.arm})
        casebook_signature = next((s for s in signatures if s.scope == "casebook"), None)
        if casebook_signature is not None:
            _signature_element(subject_data, casebook_signature, people, site.code)
            meanings.add(casebook_signature.meaning)
        _sub(subject_data, _q("SiteRef"), {"LocationOID": site_oid})
        event_data: ET.Element | None = None
        current_event: tuple[str, int] | None = None
        for record in subject_record.forms:
            instance = record.instance
            if (instance.event_key, instance.event_repeat) != current_event:
                current_event = (instance.event_key, instance.event_repeat)
                event_data = _sub(subject_data, _q("StudyEventData"), {
                    "StudyEventOID": meta.event_oid(instance.event_key), "StudyEventRepeatKey": str(instance.event_repeat),
                })
                target = f"{instance.event_key}.{instance.event_repeat}"
                event_signature = next((s for s in signatures if s.scope == "event" and s.target == target), None)
                if event_signature is not None:
                    _signature_element(event_data, event_signature, people, site.code)
                    meanings.add(event_signature.meaning)
            form_signature = next((s for s in signatures if s.instance_id == instance.id and s.scope not in ("event", "casebook")), None)
            if form_signature is not None:
                meanings.add(form_signature.meaning)
            _write_form(event_data, meta, record, history.get((subject.code, instance.ref), {}), form_signature, people, site.code)
    for oid, name in sorted(people.users.items()):
        user = _sub(admin, _q("User"), {"OID": oid})
        _sub(user, _q("FullName"), text=name)
    for oid, name in sorted(people.sites.items()):
        location = _sub(admin, _q("Location"), {"OID": oid, "Name": name, "LocationType": "Site"})
        effective = site_dates.get(oid, created.date())
        _sub(location, _q("MetaDataVersionRef"), {"StudyOID": STUDY_OID, "MetaDataVersionOID": MDV_OID,
                                                  "EffectiveDate": effective.isoformat()})
    for meaning in sorted(meanings):
        definition = _sub(admin, _q("SignatureDef"), {"OID": f"SD.{meaning}", "Methodology": "Electronic"})
        _sub(definition, _q("Meaning"), text=SIGNATURE_MEANINGS.get(meaning, meaning))
        _sub(definition, _q("LegalReason"), text=LEGAL_REASON)
    root.append(clinical)
    return ET.ElementTree(root)


def write_odm(tree: ET.ElementTree, handle: IO[bytes]) -> None:
    ET.indent(tree, space=" ")
    tree.write(handle, encoding="utf-8", xml_declaration=True)
