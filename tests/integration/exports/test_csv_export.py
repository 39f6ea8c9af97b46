"""The CSV zip, read back with the csv module: one file per form, coded values with labels, units in
the headers, missing-data reasons, and a data dictionary describing every column."""
from __future__ import annotations

import csv
import io
import zipfile

import pytest

from tests.integration.exports.conftest import BIRTH_DATE, SECOND_PLT
from tests.integration.exports.helpers import export


def read_zip(data: bytes) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
                for name in archive.namelist()}


@pytest.fixture
def files(study, make_user, login, client):
    login(client, make_user("data_manager"))
    response = export(client, "csv", "identified")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    return read_zip(response.data)


def test_there_is_one_file_per_form_and_a_data_dictionary(files):
    from forms.registry import all_forms

    assert set(files) == {f"{form.key}.csv" for form in all_forms()} | {"data_dictionary.csv"}


def test_a_form_file_has_one_row_per_instance_with_values_labels_units_and_missing_reasons(files, study):
    rows = files["screening.csv"]
    assert len(rows) == 1
    row = rows[0]
    assert (row["SUBJECT"], row["SITE"], row["EVENT"], row["EVENT_REPEAT"], row["REPEAT_NO"]) == (study.subject_code, "RAH", "screening", "1", "1")
    assert row["PLT [/µL]"] == SECOND_PLT
    assert row["WEIGHT_KG [kg]"] == "20.50"
    assert row["SEX"] == "F" and row["SEX_LABEL"] == "Female"
    assert row["INRG_RISK"] == "HIGH" and row["INRG_RISK_LABEL"] == "High"
    assert row["HEIGHT_CM [cm]"] == "" and row["HEIGHT_CM_MISSING"] == "ND"
    assert row["PLT_MISSING"] == ""
    assert row["BRTHDTC"] == BIRTH_DATE
    assert row["REVISION"] == "2"


def test_forms_without_data_still_have_their_header(files):
    assert files["infusion.csv"] == []


@pytest.mark.parametrize("column, expected", [
    ("PLT [/µL]", {"FIELD": "PLT", "ROLE": "value", "UNIT": "/µL", "TYPE": "decimal", "DERIVED": "N"}),
    ("SEX_LABEL", {"FIELD": "SEX", "ROLE": "label", "TYPE": "text"}),
    ("SEX", {"CODES": "M=Male; F=Female", "ROLE": "value"}),
    ("HEIGHT_CM_MISSING", {"ROLE": "missing", "CODES": "ND=Not done; NA=Not applicable; UNK=Unknown"}),
    ("AGE_Y [years]", {"DERIVED": "Y", "ROLE": "value"}),
    ("BRTHDTC", {"IDENTIFIER": "Y"}),
])
def test_the_data_dictionary_describes_each_column(files, column, expected):
    entry = next(r for r in files["data_dictionary.csv"] if r["FILE"] == "screening.csv" and r["COLUMN"] == column)
    assert {key: entry[key] for key in expected} == expected


def test_every_column_of_every_file_is_in_the_dictionary(files):
    listed = {(r["FILE"], r["COLUMN"]) for r in files["data_dictionary.csv"]}
    for name, rows in files.items():
        if name == "data_dictionary.csv" or not rows:
            continue
        assert {(name, column) for column in rows[0]} <= listed
