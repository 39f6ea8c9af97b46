"""CSV export for statisticians: one file per form (one row per form instance) and a data dictionary,
in one zip.

Column naming, per item: the value column is the spec's field name with the unit in brackets
(``PLT [/µL]``); a coded item adds ``<NAME>_LABEL`` with the code's label; an entered item adds
``<NAME>_MISSING`` with the missing-data reason (ND, NA, UNK) when it was left blank on purpose.
Files are UTF-8 with a byte-order mark so that spreadsheet programs read the units correctly.
Identifier columns are left out entirely from a de-identified export.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from typing import IO

from forms.core import MISSING_REASONS, Field, FormDef
from forms.registry import all_forms

from .dataset import FormRecord, IdentifierPolicy, SubjectRecord

KEY_COLUMNS = ("SUBJECT", "SITE", "EVENT", "EVENT_REPEAT", "FORM_VERSION", "REPEAT_NO", "STATUS", "REVISION")
DICTIONARY_FILE = "data_dictionary.csv"
DICTIONARY_COLUMNS = ("FILE", "COLUMN", "FIELD", "ROLE", "LABEL", "TYPE", "UNIT", "CODES", "REQUIRED", "DERIVED",
                      "IDENTIFIER", "MIN", "MAX", "FORM_VERSIONS", "CLAUSE")
ENCODING = "utf-8-sig"


def value_column(spec: Field) -> str:
    return f"{spec.name} [{spec.unit}]" if spec.unit else spec.name


def label_column(spec: Field) -> str:
    return f"{spec.name}_LABEL"


def missing_column(spec: Field) -> str:
    return f"{spec.name}_MISSING"


@dataclass
class FormLayout:
    """The columns of one form's file: the union of the fields of every version, latest first."""

    key: str
    fields: list[Field]
    versions: dict[str, list[int]]

    def columns(self) -> list[tuple[str, Field, str]]:
        out: list[tuple[str, Field, str]] = []
        for spec in self.fields:
            out.append((value_column(spec), spec, "value"))
            if spec.choices and spec.type in ("code", "yesno"):
                out.append((label_column(spec), spec, "label"))
            if not spec.derived:
                out.append((missing_column(spec), spec, "missing"))
        return out


def layouts(policy: IdentifierPolicy, subjects: list[SubjectRecord]) -> list[FormLayout]:
    by_key: dict[str, list[FormDef]] = {}
    for form in all_forms(latest_only=False):
        by_key.setdefault(form.key, []).append(form)
    extra: dict[str, set[str]] = {}
    for subject in subjects:
        for record in subject.forms:
            for item in record.items:
                if item.spec is None:
                    extra.setdefault(record.form.key, set()).add(item.name)
    result = []
    for key in sorted(by_key):
        fields: list[Field] = []
        versions: dict[str, list[int]] = {}
        for form in sorted(by_key[key], key=lambda f: -f.version):
            for spec in form.fields:
                if spec.identifier and policy.drops:
                    continue
                if spec.name not in versions:
                    fields.append(spec)
                versions.setdefault(spec.name, []).append(form.version)
        for name in sorted(extra.get(key, ())):
            if name not in versions:
                fields.append(Field(name, name, "text", derived=True))
                versions[name] = sorted({r.form.version for s in subjects for r in s.forms if r.form.key == key})
        result.append(FormLayout(key, fields, versions))
    return result


def _row(subject: SubjectRecord, record: FormRecord, layout: FormLayout) -> list[str]:
    instance = record.instance
    row = [subject.subject.code, subject.site.code, instance.event_key, str(instance.event_repeat),
           str(instance.form_version), str(instance.repeat_no), instance.status, str(instance.revision)]
    for _column, spec, role in layout.columns():
        item = record.item(spec.name)
        if item is None or item.withheld:
            row.append("")
        elif role == "value":
            row.append(item.value or "")
        elif role == "label":
            row.append(item.decode or "")
        else:
            row.append(item.missing_reason or "")
    return row


def _csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue().encode(ENCODING)


def _codes(spec: Field, role: str) -> str:
    if role == "missing":
        return "; ".join(f"{code}={label}" for code, label in MISSING_REASONS)
    if role == "value" and spec.choices and spec.type in ("code", "yesno"):
        return "; ".join(f"{code}={label}" for code, label in spec.choices)
    return ""


def dictionary_rows(form_layouts: list[FormLayout]) -> list[list[str]]:
    rows = [list(DICTIONARY_COLUMNS)]
    for layout in form_layouts:
        filename = f"{layout.key}.csv"
        for column in KEY_COLUMNS:
            rows.append([filename, column, "", "key", column.replace("_", " ").lower(), "text", "", "", "", "", "", "", "", "", ""])
        for column, spec, role in layout.columns():
            label = {"value": spec.label, "label": f"{spec.label} (label of the code)",
                     "missing": f"{spec.label}: reason the value is missing"}[role]
            rows.append([
                filename, column, spec.name, role, label, spec.type if role == "value" else "text",
                (spec.unit or "") if role == "value" else "", _codes(spec, role),
                "Y" if spec.required and not spec.derived and role == "value" else "N",
                "Y" if spec.derived else "N", "Y" if spec.identifier else "N",
                "" if spec.min is None or role != "value" else str(spec.min),
                "" if spec.max is None or role != "value" else str(spec.max),
                " ".join(str(v) for v in sorted(layout.versions.get(spec.name, []))), spec.clause,
            ])
    return rows


def write_csv_zip(subjects: list[SubjectRecord], policy: IdentifierPolicy, handle: IO[bytes]) -> list[str]:
    """Write the zip to ``handle``; returns the names of the files in it."""
    form_layouts = layouts(policy, subjects)
    names: list[str] = []
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for layout in form_layouts:
            rows = [list(KEY_COLUMNS) + [column for column, _spec, _role in layout.columns()]]
            for subject in subjects:
                for record in subject.forms:
                    if record.form.key == layout.key:
                        rows.append(_row(subject, record, layout))
            name = f"{layout.key}.csv"
            archive.writestr(name, _csv_bytes(rows))
            names.append(name)
        archive.writestr(DICTIONARY_FILE, _csv_bytes(dictionary_rows(form_layouts)))
        names.append(DICTIONARY_FILE)
    return names
