"""The printable casebook: data as captured, derived values marked, queries, signature manifestations,
SDV status, an audit-trail appendix and a footer naming the ledger checkpoint."""
from __future__ import annotations

import re

import pytest

from tests.integration.exports.conftest import CHANGE_REASON, FIRST_PLT, SECOND_PLT
from tests.integration.exports.helpers import export


@pytest.fixture
def casebook(study, make_user, login, client) -> str:
    login(client, make_user("data_manager"))
    response = export(client, "casebook", "identified", subject=study.subject_code)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data.decode("utf-8")


def test_the_casebook_shows_every_captured_value_with_units_and_marks_derived_values(casebook):
    assert re.search(r"<code>PLT</code>.*?" + SECOND_PLT + r" /µL", casebook, re.S)
    assert "20.50 kg" in casebook
    assert "F (Female)" in casebook
    assert re.search(r'<tr class="derived">\s*<td><code>eligible</code></td>\s*<td>eligible <span class="derived-mark">derived', casebook)
    assert re.search(r'<tr class="">\s*<td><code>PLT</code></td>', casebook)


def test_the_casebook_lists_open_and_closed_queries_with_their_messages(casebook):
    assert "Please confirm the platelet count." in casebook
    assert "Confirmed against the lab report." in casebook
    assert re.search(r"<td>closed</td>", casebook)
    assert re.search(r"<td>open</td>", casebook)
    assert "Weight from which visit?" in casebook


def test_signature_manifestations_show_printed_name_time_with_zone_and_meaning(casebook):
    assert re.search(r"<td>Dr Reza Investigator</td><td>2026-02-03 08:30:00 UTC \(2026-02-03 12:00 Asia/Tehran, UTC\+03:30\)</td>"
                     r"<td>I approve this record</td>", casebook)


def test_sdv_status_is_shown_per_field(casebook):
    assert re.search(r"<code>SEX</code>.*?verified by Mina Monitor on 20", casebook, re.S)
    assert "1 of " in casebook and "entered fields verified against source" in casebook


def test_the_audit_appendix_spells_out_changes_with_the_reason(casebook):
    appendix = casebook.split("Appendix: audit trail", 1)[1]
    assert f"PLT: {FIRST_PLT} \u2192 {SECOND_PLT}" in appendix
    assert "HEIGHT_CM: (blank) \u2192 (blank, ND)" in appendix
    assert CHANGE_REASON in appendix
    assert "query.closed" in appendix and "consent.given" in appendix


def test_the_footer_names_the_checkpoint_the_casebook_was_produced_against(casebook, db):
    from edc.services import ledger as ledger_service
    from tests.fixtures.accounts import ledger_entries

    checkpoint = ledger_service.latest_checkpoint(db)
    footer = casebook.split("<footer>", 1)[1]
    assert f'checkpoint-size">{checkpoint.size}<' in footer
    assert checkpoint.root_hash.hex() in footer
    export_entry = ledger_entries(db, "export.casebook")[-1]
    assert export_entry.payload["checkpoint_size"] == checkpoint.size
    assert export_entry.seq == checkpoint.size + 1
