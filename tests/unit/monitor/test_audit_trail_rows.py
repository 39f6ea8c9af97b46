"""The audit-trail row builder, pure: one row per changed field, sealed identifiers stay sealed,
blanks say why, field filtering, and both clocks."""
from __future__ import annotations

import pytest

from audit.entry import Actor, Entry, RecordRef
from audit.identifiers import new_subject_key, seal_identifier
from edc.services.audit_trail import SEALED, local_time, rows_of, shown

PREV = "0" * 64
KEY_ID = "0123456789abcdef"


def entry(action="crf.updated", payload=None, reason=None, field=None) -> Entry:
    return Entry(seq=7, ts="2026-11-25T10:00:00.000000Z", actor=Actor(3, "Cora Coordinator", "coordinator"), action=action,
                 record=RecordRef(site="RAH", subject="RAH-001", form="conmeds", instance="logs.1/conmeds.1", field=field),
                 payload=payload or {}, reason=reason, prev=PREV.replace("0", "1"), key_id=KEY_ID)


@pytest.mark.parametrize("value, missing, expected", [
    ("8.00", None, "8.00"),
    (None, None, ""),
    (None, "ND", "blank (ND)"),
    (True, None, "yes"),
    (["a", "b"], None, "a, b"),
])
def test_values_are_shown_as_typed_and_blanks_say_why(value, missing, expected):
    assert shown(value, missing) == expected


def test_a_sealed_identifier_is_shown_sealed():
    sealed = seal_identifier("2019-04-03", new_subject_key(), "kref", aad="RAH-001/BRTHDTC")
    assert shown(sealed) == SEALED


def test_a_crf_entry_gives_one_row_per_changed_field_with_reason():
    changes = [{"field": "CMDOSE_MG_DAY", "old": "8.00", "new": "4.00", "old_missing": None, "new_missing": None},
               {"field": "CMENDTC", "old": None, "new": None, "old_missing": None, "new_missing": "UNK"}]
    rows = rows_of(entry(payload={"form_version": 1, "revision": 2, "changes": changes, "derived": []},
                         reason="Transcription error: typo"), "ab" * 32, "Asia/Tehran")
    assert [(r.field, r.old, r.new, r.reason) for r in rows] == [
        ("CMDOSE_MG_DAY", "8.00", "4.00", "Transcription error: typo"),
        ("CMENDTC", "", "blank (UNK)", "Transcription error: typo"),
    ]
    assert {r.seq for r in rows} == {7} and rows[0].who == "Cora Coordinator" and rows[0].role == "coordinator"


def test_the_field_filter_keeps_only_that_field():
    changes = [{"field": "A", "old": "1", "new": "2"}, {"field": "B", "old": "3", "new": "4"}]
    rows = rows_of(entry(payload={"changes": changes, "derived": []}), "ab" * 32, "UTC", field="B")
    assert [(r.field, r.old, r.new) for r in rows] == [("B", "3", "4")]


def test_a_query_entry_shows_its_state_and_text():
    [row] = rows_of(entry("query.answered", {"query_id": 4, "state": "answered", "text": "Checked.", "check": None,
                                             "automatic": False}, field="CMTRT"), "ab" * 32, "UTC")
    assert (row.field, row.new) == ("CMTRT", "answered") and "Checked." in row.detail and "#4" in row.detail


@pytest.mark.parametrize("ts, zone, expected", [
    ("2026-11-25T10:00:00.000000Z", "Asia/Tehran", "2026-11-25 13:30:00 Asia/Tehran"),
    ("2026-11-25T22:00:00.000000Z", "Asia/Tehran", "2026-11-26 01:30:00 Asia/Tehran"),
    ("2026-11-25T10:00:00.000000Z", "UTC", "2026-11-25 10:00:00 UTC"),
])
def test_site_time_is_the_utc_instant_in_the_sites_zone(ts, zone, expected):
    assert local_time(ts, zone) == expected
