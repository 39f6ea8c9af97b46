"""The ODM 1.3.2 export, parsed by xml.etree and checked element by element against the ODM structure:
namespaces, required attributes, child order, every OID reference resolving, lexical forms of the
DataTypes, and the round trip (values re-read equal the tables)."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from tests.integration.exports.conftest import BIRTH_DATE, CHANGE_REASON, FIRST_PLT, SECOND_PLT
from tests.integration.exports.helpers import export

ODM = "http://www.cdisc.org/ns/odm/v1.3"
NK = "https://nk-edc.example/ns/odm-extension/v1"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def q(tag: str) -> str:
    return f"{{{ODM}}}{tag}"


# ODM 1.3.2 content models (children in schema order) of the elements this export emits.
SEQUENCES = {
    "ODM": ["Study", "AdminData", "ReferenceData", "ClinicalData", "Association"],
    "Study": ["GlobalVariables", "BasicDefinitions", "MetaDataVersion"],
    "GlobalVariables": ["StudyName", "StudyDescription", "ProtocolName"],
    "MetaDataVersion": ["Include", "Protocol", "StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList",
                        "ImputationMethod", "Presentation", "ConditionDef", "MethodDef"],
    "ItemDef": ["Description", "Question", "ExternalQuestion", "MeasurementUnitRef", "RangeCheck", "CodeListRef", "Role", "Alias"],
    "AdminData": ["User", "Location", "SignatureDef"],
    "SubjectData": ["AuditRecord", "Signature", "InvestigatorRef", "SiteRef", "Annotation", "StudyEventData"],
    "StudyEventData": ["AuditRecord", "Signature", "Annotation", "FormData"],
    "FormData": ["AuditRecord", "Signature", "ArchiveLayoutRef", "Annotation", "ItemGroupData"],
    "ItemGroupData": ["AuditRecord", "Signature", "Annotation", "ItemData"],
    "ItemData": ["AuditRecord", "Signature", "MeasurementUnitRef", "Annotation"],
    "AuditRecord": ["UserRef", "LocationRef", "DateTimeStamp", "ReasonForChange", "SourceID"],
    "Signature": ["UserRef", "LocationRef", "SignatureRef", "DateTimeStamp", "CryptoBindingManifest"],
    "SignatureDef": ["Meaning", "LegalReason"],
}
REQUIRED = {
    "ODM": ["FileType", "FileOID", "CreationDateTime", "ODMVersion"],
    "Study": ["OID"], "MetaDataVersion": ["OID", "Name"], "MeasurementUnit": ["OID", "Name"],
    "StudyEventRef": ["StudyEventOID", "Mandatory"], "StudyEventDef": ["OID", "Name", "Repeating", "Type"],
    "FormRef": ["FormOID", "Mandatory"], "FormDef": ["OID", "Name", "Repeating"],
    "ItemGroupRef": ["ItemGroupOID", "Mandatory"], "ItemGroupDef": ["OID", "Name", "Repeating"],
    "ItemRef": ["ItemOID", "Mandatory"], "ItemDef": ["OID", "Name", "DataType"],
    "CodeList": ["OID", "Name", "DataType"], "CodeListItem": ["CodedValue"], "MethodDef": ["OID", "Name", "Type"],
    "User": ["OID"], "Location": ["OID", "Name"], "MetaDataVersionRef": ["StudyOID", "MetaDataVersionOID", "EffectiveDate"],
    "SignatureDef": ["OID"], "ClinicalData": ["StudyOID", "MetaDataVersionOID"], "SubjectData": ["SubjectKey"],
    "SiteRef": ["LocationOID"], "StudyEventData": ["StudyEventOID"], "FormData": ["FormOID"],
    "ItemGroupData": ["ItemGroupOID"], "ItemData": ["ItemOID"], "UserRef": ["UserOID"], "LocationRef": ["LocationOID"],
    "SignatureRef": ["SignatureOID"], "CodeListRef": ["CodeListOID"], "MeasurementUnitRef": ["MeasurementUnitOID"],
    "RangeCheck": ["Comparator", "SoftHard"],
}
DATA_TYPES = {"text", "integer", "float", "date", "time", "datetime", "string", "boolean", "double"}
LEXICAL = {
    "integer": re.compile(r"[+-]?\d+"),
    "float": re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?"),
    "date": re.compile(r"\d{4}-\d\d-\d\d"),
    "time": re.compile(r"\d\d:\d\d:\d\d(\.\d+)?"),
    "datetime": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"),
}


def local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def check_structure(root: ET.Element) -> list[str]:
    """Every problem found walking the document (empty when it follows the ODM structure)."""
    problems: list[str] = []
    for element in root.iter():
        namespace = element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""
        if namespace not in (ODM, NK):
            problems.append(f"{element.tag}: element outside the ODM and extension namespaces")
            continue
        if namespace == NK:
            continue
        name = local(element.tag)
        for attribute in REQUIRED.get(name, []):
            if not element.get(attribute):
                problems.append(f"{name} lacks required attribute {attribute}")
        order = SEQUENCES.get(name)
        if order is not None:
            standard = [local(child.tag) for child in element if child.tag.startswith(f"{{{ODM}}}")]
            unknown = [child for child in standard if child not in order]
            positions = [order.index(child) for child in standard if child in order]
            if unknown:
                problems.append(f"{name} has unexpected children {unknown}")
            if positions != sorted(positions):
                problems.append(f"{name} children out of schema order: {standard}")
            seen_extension = False
            for child in element:
                if child.tag.startswith(f"{{{NK}}}"):
                    seen_extension = True
                elif seen_extension:
                    problems.append(f"{name}: standard child {local(child.tag)} after an extension element")
    return problems


def oids(root: ET.Element, tag: str) -> set[str]:
    return {element.get("OID") for element in root.iter(q(tag))}


def check_references(root: ET.Element) -> list[str]:
    problems = []
    refs = [
        ("StudyEventRef", "StudyEventOID", "StudyEventDef"), ("FormRef", "FormOID", "FormDef"),
        ("ItemGroupRef", "ItemGroupOID", "ItemGroupDef"), ("ItemRef", "ItemOID", "ItemDef"),
        ("ItemRef", "MethodOID", "MethodDef"), ("CodeListRef", "CodeListOID", "CodeList"),
        ("MeasurementUnitRef", "MeasurementUnitOID", "MeasurementUnit"), ("UserRef", "UserOID", "User"),
        ("LocationRef", "LocationOID", "Location"), ("SiteRef", "LocationOID", "Location"),
        ("SignatureRef", "SignatureOID", "SignatureDef"), ("StudyEventData", "StudyEventOID", "StudyEventDef"),
        ("FormData", "FormOID", "FormDef"), ("ItemGroupData", "ItemGroupOID", "ItemGroupDef"),
        ("ItemData", "ItemOID", "ItemDef"),
    ]
    for tag, attribute, target in refs:
        targets = oids(root, target)
        for element in root.iter(q(tag)):
            value = element.get(attribute)
            if value is not None and value not in targets:
                problems.append(f"{tag} {attribute}={value} names no {target}")
    users = oids(root, "User")
    for change in root.iter(f"{{{NK}}}Change"):
        if change.get("UserOID") not in users:
            problems.append(f"nk:Change names unknown user {change.get('UserOID')}")
    for oid_set in ("StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList", "MeasurementUnit", "User", "Location"):
        listed = [element.get("OID") for element in root.iter(q(oid_set))]
        if len(listed) != len(set(listed)):
            problems.append(f"duplicate {oid_set} OIDs")
    groups = {group.get("OID"): {ref.get("ItemOID") for ref in group.iter(q("ItemRef"))} for group in root.iter(q("ItemGroupDef"))}
    for group_data in root.iter(q("ItemGroupData")):
        for item in group_data.iter(q("ItemData")):
            if item.get("ItemOID") not in groups[group_data.get("ItemGroupOID")]:
                problems.append(f"ItemData {item.get('ItemOID')} is not an item of {group_data.get('ItemGroupOID')}")
    mdv = root.find(f"{q('Study')}/{q('MetaDataVersion')}")
    clinical = root.find(q("ClinicalData"))
    if clinical.get("MetaDataVersionOID") != mdv.get("OID") or clinical.get("StudyOID") != root.find(q("Study")).get("OID"):
        problems.append("ClinicalData names another study or metadata version")
    return problems


def check_values(root: ET.Element) -> list[str]:
    types = {item.get("OID"): item.get("DataType") for item in root.iter(q("ItemDef"))}
    problems = [f"ItemDef {oid} has DataType {kind}" for oid, kind in types.items() if kind not in DATA_TYPES]
    for item in root.iter(q("ItemData")):
        value = item.get("Value")
        if value is None:
            if item.get("IsNull") != "Yes":
                problems.append(f"ItemData {item.get('ItemOID')} has neither Value nor IsNull")
            continue
        pattern = LEXICAL.get(types[item.get("ItemOID")])
        if pattern and not pattern.fullmatch(value):
            problems.append(f"ItemData {item.get('ItemOID')}={value!r} is not a valid {types[item.get('ItemOID')]}")
    return problems


def read_values(root: ET.Element) -> dict[tuple[str, str, str, str, str], str | None]:
    """(subject, event, event repeat, form OID, item name) -> value, re-read from the document."""
    names = {item.get("OID"): item.get("Name") for item in root.iter(q("ItemDef"))}
    out = {}
    for subject in root.iter(q("SubjectData")):
        for event in subject.iter(q("StudyEventData")):
            for form in event.iter(q("FormData")):
                for item in form.iter(q("ItemData")):
                    key = (subject.get("SubjectKey"), event.get("StudyEventOID"), event.get("StudyEventRepeatKey"),
                           form.get("FormOID"), names[item.get("ItemOID")])
                    out[key] = item.get("Value")
    return out


@pytest.fixture
def data_manager(make_user, login, client):
    account = make_user("data_manager", printed_name="Dana Datamanager")
    login(client, account)
    return account


def test_the_study_odm_follows_the_odm_132_structure_and_every_reference_resolves(study, data_manager, client):
    response = export(client, "odm", "identified")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == q("ODM")
    assert root.get("ODMVersion") == "1.3.2" and root.get("FileType") == "Snapshot" and root.get("Granularity") == "All"
    assert check_structure(root) == []
    assert check_references(root) == []
    assert check_values(root) == []


def test_item_oids_use_the_spec_field_names_with_units_and_code_lists(study, data_manager, client):
    root = ET.fromstring(export(client, "odm", "identified").data)
    items = {item.get("OID"): item for item in root.iter(q("ItemDef"))}
    plt = items["IT.PLT"]
    assert plt.get("Name") == "PLT" and plt.get("DataType") == "float"
    unit_oid = plt.find(q("MeasurementUnitRef")).get("MeasurementUnitOID")
    unit = next(u for u in root.iter(q("MeasurementUnit")) if u.get("OID") == unit_oid)
    assert unit.find(f"{q('Symbol')}/{q('TranslatedText')}").text == "/µL"
    assert plt.find(f"{q('Question')}/{q('TranslatedText')}").get(XML_LANG) == "en"
    sex = items["IT.SEX"]
    codelist_oid = sex.find(q("CodeListRef")).get("CodeListOID")
    codelist = next(c for c in root.iter(q("CodeList")) if c.get("OID") == codelist_oid)
    decoded = {i.get("CodedValue"): i.find(f"{q('Decode')}/{q('TranslatedText')}").text for i in codelist.iter(q("CodeListItem"))}
    assert decoded == {"M": "Male", "F": "Female"}
    assert items["IT.BRTHDTC"].get(f"{{{NK}}}Identifier") == "Yes"
    derived_ref = next(r for r in root.iter(q("ItemRef")) if r.get("ItemOID") == "IT.AGE_Y")
    assert derived_ref.get("MethodOID") == "MT.SCREENING.V1"


def test_the_odm_round_trip_gives_back_the_values_in_the_tables(study, data_manager, client, db):
    from edc.models import FormInstance, ItemValue, Subject
    from forms.registry import get_form

    root = ET.fromstring(export(client, "odm", "identified").data)
    reread = read_values(root)
    rows = db.execute(
        select(Subject.code, FormInstance, ItemValue).join(FormInstance, FormInstance.subject_id == Subject.id)
        .join(ItemValue, ItemValue.instance_id == FormInstance.id)
    ).all()
    expected = {}
    for code, instance, value in rows:
        if value.value is None and value.missing_reason is None:
            continue
        form = get_form(instance.form_key, instance.form_version)
        key = (code, f"SE.{instance.event_key.upper()}", str(instance.event_repeat),
               f"F.{instance.form_key.upper()}.V{instance.form_version}", value.field)
        spec = next((f for f in form.fields if f.name == value.field), None)
        text = value.value
        if text is not None and spec is not None and spec.type == "datetime":
            text = text.replace(" ", "T") + (":00" if len(text) == 16 else "")
        expected[key] = text
    assert len(expected) > 5
    assert reread == expected
    assert reread[("RAH-001", "SE.SCREENING", "1", "F.SCREENING.V1", "PLT")] == SECOND_PLT
    assert reread[("RAH-001", "SE.SCREENING", "1", "F.SCREENING.V1", "BRTHDTC")] == BIRTH_DATE


def test_audit_records_carry_who_when_where_why_and_the_old_and_new_values(study, data_manager, client, db):
    from tests.fixtures.accounts import ledger_entries

    root = ET.fromstring(export(client, "odm", "identified").data)
    plt = next(i for i in root.iter(q("ItemData")) if i.get("ItemOID") == "IT.PLT")
    record = plt.find(q("AuditRecord"))
    update = [e for e in ledger_entries(db, "crf.updated") if e.record.subject == study.subject_code][-1]
    assert record.find(q("SourceID")).text == f"ledger:{update.seq}"
    assert record.find(q("DateTimeStamp")).text == update.ts
    assert CHANGE_REASON in record.find(q("ReasonForChange")).text
    assert record.find(q("UserRef")).get("UserOID") == f"USR.{study.coordinator.user.id}"
    assert record.find(q("LocationRef")).get("LocationOID") == "LOC.RAH"
    changes = [(c.get("OldValue"), c.get("NewValue"), c.get("TransactionType")) for c in plt.iter(f"{{{NK}}}Change")]
    assert changes == [(None, FIRST_PLT, "Insert"), (FIRST_PLT, SECOND_PLT, "Update")]
    users = {u.get("OID"): u.find(q("FullName")).text for u in root.iter(q("User"))}
    assert users[f"USR.{study.coordinator.user.id}"] == "Sara Coordinator"
    height = next(i for i in root.iter(q("ItemData")) if i.get("ItemOID") == "IT.HEIGHT_CM")
    assert height.get("IsNull") == "Yes" and height.get(f"{{{NK}}}MissingReason") == "ND" and height.get("Value") is None


def test_signatures_carry_their_meaning_through_a_signature_definition(study, data_manager, client):
    root = ET.fromstring(export(client, "odm", "identified").data)
    form = next(root.iter(q("FormData")))
    signature = form.find(q("Signature"))
    assert signature.find(q("SignatureRef")).get("SignatureOID") == "SD.approval"
    assert signature.find(q("DateTimeStamp")).text == "2026-02-03T08:30:00Z"
    assert signature.find(q("UserRef")).get("UserOID") == f"USR.{study.investigator.user.id}"
    definition = next(d for d in root.iter(q("SignatureDef")) if d.get("OID") == "SD.approval")
    assert definition.get("Methodology") == "Electronic"
    assert definition.find(q("Meaning")).text == "I approve this record"


def test_a_single_subject_file_holds_only_that_subject(study, data_manager, client, make_site, app):
    from edc.db import get_session, transaction
    from edc.services import subjects
    from edc.wiring import ledger_config

    site = make_site("RAH")
    with app.app_context():
        db = get_session()
        with transaction(db):
            subjects.register_subject(db, ledger_config(), study.coordinator.user, db.merge(site))
    whole = ET.fromstring(export(client, "odm", "identified").data)
    assert [s.get("SubjectKey") for s in whole.iter(q("SubjectData"))] == ["RAH-001", "RAH-002"]
    single = ET.fromstring(export(client, "odm", "identified", subject="RAH-002").data)
    assert single.get("Granularity") == "SingleSubject"
    assert [s.get("SubjectKey") for s in single.iter(q("SubjectData"))] == ["RAH-002"]
    assert check_structure(single) == [] and check_references(single) == []


@pytest.mark.parametrize("tamper, expected", [
    (lambda root: next(root.iter(q("ItemData"))).set("ItemOID", "IT.NOPE"), "names no ItemDef"),
    (lambda root: next(root.iter(q("UserRef"))).set("UserOID", "USR.999"), "names no User"),
    (lambda root: next(root.iter(q("FormData"))).set("FormOID", "F.NOPE.V1"), "names no FormDef"),
])
def test_the_reference_check_itself_catches_a_dangling_oid(study, data_manager, client, tamper, expected):
    root = ET.fromstring(export(client, "odm", "identified").data)
    tamper(root)
    assert any(expected in problem for problem in check_references(root))
