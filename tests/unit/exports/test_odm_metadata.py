"""ODM metadata built from the form declarations: OIDs from the spec's field names, units, values in
the lexical form of their ODM DataType."""
from __future__ import annotations

import pytest

from edc.services.exports.odm import _slug, build_metadata, odm_value
from forms.core import Field
from forms.registry import all_forms


def test_every_declared_field_of_every_form_version_gets_exactly_one_item_oid():
    meta = build_metadata()
    for form in all_forms(latest_only=False):
        for spec in form.fields:
            assert meta.item_oid(form, spec.name).startswith("IT.")
    assert meta.item_oids[("screening", 1, "PLT")] == "IT.PLT"


def test_a_name_shared_by_two_different_definitions_gets_a_form_qualified_oid():
    meta = build_metadata()
    for oid, (spec, form) in meta.item_defs.items():
        for (key, version, name), other_oid in meta.item_oids.items():
            if other_oid == oid:
                other = next(f for f in all_forms(latest_only=False) if (f.key, f.version) == (key, version)).field(name)
                assert (other.type, other.unit, other.label) == (spec.type, spec.unit, spec.label)


def test_undeclared_derived_values_get_item_definitions_of_their_own():
    meta = build_metadata({("screening", 1): ["eligible"]})
    assert meta.item_oids[("screening", 1, "eligible")] == "IT.eligible"


def test_every_unit_gets_one_distinct_measurement_unit_oid():
    meta = build_metadata()
    units = {spec.unit for form in all_forms(latest_only=False) for spec in form.fields if spec.unit}
    assert set(meta.unit_oids) == units
    assert len(set(meta.unit_oids.values())) == len(units)


@pytest.mark.parametrize("unit, slug", [
    ("/µL", "per_uL"), ("°C", "degC"), ("%", "pct"), ("mL/min/1.73 m²", "mL_per_min_per_1_73_m2"), ("× ULN", "x_ULN"),
])
def test_unit_oids_are_readable_ascii(unit, slug):
    assert _slug(unit) == slug


@pytest.mark.parametrize("kind, entered, expected", [
    ("datetime", "2026-03-04 10:15", "2026-03-04T10:15:00"),
    ("datetime", "2026-03-04T10:15:30", "2026-03-04T10:15:30"),
    ("time", "10:15", "10:15:00"),
    ("time", "10:15:30", "10:15:30"),
    ("decimal", "12.50", "12.50"),
    ("date", "2026-03-04", "2026-03-04"),
    ("text", "as typed ", "as typed "),
])
def test_values_keep_what_was_entered_in_the_lexical_form_of_their_data_type(kind, entered, expected):
    spec = Field("X", "X", kind, codes=(("A", "a"),) if kind == "code" else ())
    assert odm_value(spec, entered) == expected
