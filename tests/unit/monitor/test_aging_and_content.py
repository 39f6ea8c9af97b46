"""Pure parts of queries, SDV and signatures: aging bands at their boundaries, the SDV requirement,
and what a signature's content hash covers."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from edc.services.queries import aging_report
from edc.services.sdv import required_count, value_hash
from edc.services.signatures import form_content, signed_message


def row(age, state="open", site="RAH"):
    return SimpleNamespace(query=SimpleNamespace(state=state), age_days=age, site_code=site)


@pytest.mark.parametrize("age, band", [
    (0, "0-7 days"), (7, "0-7 days"), (8, "8-14 days"), (14, "8-14 days"), (15, "15-30 days"),
    (30, "15-30 days"), (31, "over 30 days"), (400, "over 30 days"),
])
def test_each_age_falls_in_exactly_one_band(age, band):
    [line] = aging_report([row(age)])
    assert line[band] == 1 and line["total"] == 1
    assert sum(v for k, v in line.items() if k.endswith("days")) == 1


def test_closed_queries_are_not_aged_and_sites_are_separate():
    lines = aging_report([row(3), row(3, "closed"), row(40, site="TUMS"), row(2, "answered")])
    assert [(l["site"], l["total"]) for l in lines] == [("RAH", 2), ("TUMS", 1)]


@pytest.mark.parametrize("fields, required", [(6, 6), (1, 1), (0, 0)])
def test_every_form_needs_full_sdv_by_default(fields, required):
    assert required_count("conmeds", fields) == required


def test_the_sdv_hash_binds_field_value_and_missing_reason():
    assert value_hash("A", "1", None) != value_hash("A", "2", None)
    assert value_hash("A", None, "ND") != value_hash("A", None, "UNK")
    assert value_hash("A", "1", None) != value_hash("B", "1", None)


def instance(revision=1, value="8.00", derived=None):
    values = [SimpleNamespace(field="DOSE", value=value, missing_reason=None, derived=False)]
    if derived is not None:
        values.append(SimpleNamespace(field="FLAG", value=derived, missing_reason=None, derived=True))
    return SimpleNamespace(values=values, ref="logs.1/conmeds.1", form_key="conmeds", form_version=1, revision=revision)


SUBJECT = SimpleNamespace(code="RAH-001")


@pytest.mark.parametrize("changed", [
    instance(revision=2), instance(value="4.00"), instance(derived="Y"),
])
def test_the_content_hash_changes_with_revision_values_and_derived_values(changed):
    assert form_content(SUBJECT, changed).sha256 != form_content(SUBJECT, instance()).sha256


def test_the_content_hash_names_the_subject():
    assert form_content(SimpleNamespace(code="RAH-002"), instance()).sha256 != form_content(SUBJECT, instance()).sha256


@pytest.mark.parametrize("part", range(5))
def test_the_signed_message_binds_subject_scope_target_hash_and_meaning(part):
    parts = ["RAH-001", "form", "logs.1/conmeds.1", "a" * 64, "review"]
    other = list(parts)
    other[part] = other[part] + "x"
    assert signed_message(*parts) != signed_message(*other)
