"""Direct identifiers enter the ledger sealed; destroying the subject key erases them, not the chain."""
from __future__ import annotations

import base64
import json

import pytest
from audit_factories import INVESTIGATOR, FixedClock, signer_from_seed

from audit.chain import InMemoryLedger
from audit.entry import RecordRef
from audit.identifiers import (
    IdentifierError,
    identifier_hash,
    is_sealed,
    new_subject_key,
    open_identifier,
    seal_identifier,
)
from audit.verifier import verify_entries

AAD = "subject:01-007/field:guardian_name"


def test_a_sealed_identifier_opens_with_its_key_and_context():
    key = new_subject_key()
    sealed = seal_identifier("Mar\u00eda L\u00f3pez", key, "subject-key:01-007/v1", AAD)
    assert set(sealed) == {"enc", "kref", "nonce", "ct", "h"}
    assert sealed["enc"] == "A256GCM" and sealed["kref"] == "subject-key:01-007/v1"
    assert is_sealed(sealed)
    assert open_identifier(sealed, key, AAD) == "Mar\u00eda L\u00f3pez"


def test_the_clear_value_appears_nowhere_in_the_sealed_form():
    key = new_subject_key()
    sealed = seal_identifier("Wilhelmina Kowalczyk", key, "k1", AAD)
    assert "Wilhelmina" not in json.dumps(sealed)
    assert b"Wilhelmina" not in base64.b64decode(sealed["ct"])


def test_equal_values_compare_equal_within_a_subject_and_differ_across_subjects():
    key, other_key = new_subject_key(), new_subject_key()
    first = seal_identifier("Jos\u00e9", key, "k1", AAD)
    again = seal_identifier("Jose\u0301", key, "k1", AAD)  # same name, decomposed accent
    assert first["h"] == again["h"] and first["ct"] != again["ct"]
    assert seal_identifier("Jos\u00e9", other_key, "k2", AAD)["h"] != first["h"]
    assert seal_identifier("Josefa", key, "k1", AAD)["h"] != first["h"]
    assert first["h"] == identifier_hash("Jos\u00e9", key)


@pytest.mark.parametrize(
    "attempt",
    [
        lambda sealed, key: open_identifier(sealed, new_subject_key(), AAD),
        lambda sealed, key: open_identifier(sealed, key, "subject:01-008/field:guardian_name"),
        lambda sealed, key: open_identifier({**sealed, "ct": base64.b64encode(b"x" * 30).decode()}, key, AAD),
        lambda sealed, key: open_identifier({**sealed, "nonce": base64.b64encode(b"n" * 12).decode()}, key, AAD),
        lambda sealed, key: open_identifier({**sealed, "h": "0" * 64}, key, AAD),
        lambda sealed, key: open_identifier({**sealed, "enc": "A128GCM"}, key, AAD),
        lambda sealed, key: open_identifier({**sealed, "nonce": "%%%"}, key, AAD),
        lambda sealed, key: open_identifier(sealed, key[:16], AAD),
    ],
)
def test_a_wrong_key_context_or_altered_seal_fails(attempt):
    key = new_subject_key()
    sealed = seal_identifier("Ana", key, "k1", AAD)
    with pytest.raises(IdentifierError):
        attempt(sealed, key)


@pytest.mark.parametrize(
    "candidate",
    [None, "text", {"enc": "A256GCM"}, {"enc": "A256GCM", "kref": "k", "nonce": "n", "ct": "c", "h": 1},
     {"enc": "none", "kref": "k", "nonce": "n", "ct": "c", "h": "h"}],
)
def test_other_values_are_not_mistaken_for_sealed_identifiers(candidate):
    assert not is_sealed(candidate)


def test_destroying_the_subject_key_leaves_the_chain_verifiable():
    key = new_subject_key()
    ledger = InMemoryLedger(signer_from_seed(1), FixedClock())
    ledger.append(INVESTIGATOR, "consent.recorded", RecordRef(site="01", subject="01-007", form="consent"),
                  {"guardian_name": seal_identifier("Mar\u00eda L\u00f3pez", key, "subject-key:01-007/v1", AAD)})
    ledger.append(INVESTIGATOR, "crf.save", RecordRef(site="01", subject="01-007"), {"weight_kg": "12.50"})
    records = ledger.records()
    sealed = json.loads(records[1][1])["payload"]["guardian_name"]
    assert open_identifier(sealed, key, AAD) == "Mar\u00eda L\u00f3pez"
    key = None  # the key store forgets the subject key: erasure
    report = verify_entries(records)
    assert report.ok and report.entries_checked == 3
    with pytest.raises(IdentifierError):
        open_identifier(sealed, new_subject_key(), AAD)
