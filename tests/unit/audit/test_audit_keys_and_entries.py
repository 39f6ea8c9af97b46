"""Key files, key ids, domain-separated signatures, entry encoding and timestamps."""
from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from audit_factories import INVESTIGATOR, signer_from_seed
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from audit.canonical import CanonicalError, is_canonical
from audit.chain import ChainHead, append_entry, genesis_entry
from audit.entry import Actor, Entry, EntryError, RecordRef, format_ts, next_timestamp, parse_ts, seal
from audit.hashing import EMPTY_ROOT, GENESIS_PREV, leaf_hash, node_hash, signing_message
from audit.keys import (
    KeyFileError,
    LedgerSigner,
    generate_key_file,
    key_id_for,
    load_signer,
    public_key_from_bytes,
    verify_signature,
)

T0 = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)


def sample_entry(**changes) -> Entry:
    values = dict(
        seq=2,
        ts="2025-03-01T09:00:00.000000Z",
        actor=INVESTIGATOR,
        action="crf.save",
        record=RecordRef(site="01", subject="01-003", form="vitals", instance="1", field="weight_kg"),
        payload={"old": "12.40", "new": "12.50"},
        reason="transcription error",
        prev="ab" * 32,
        key_id=signer_from_seed(1).key_id,
    )
    values.update(changes)
    return Entry(**values)


# --- hashing --------------------------------------------------------------------------------------------


def test_leaf_and_node_hashes_use_the_rfc_prefixes():
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert node_hash(b"L" * 32, b"R" * 32) == hashlib.sha256(b"\x01" + b"L" * 32 + b"R" * 32).digest()
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert GENESIS_PREV == "0" * 64


def test_entry_signatures_are_domain_separated():
    signer = signer_from_seed(3)
    body = b'{"a":1}'
    signature = signer.sign(signing_message(body))
    assert signing_message(body) == b"nk-edc/ledger-entry/v1\n" + body
    assert verify_signature(signer.public_bytes, signature, signing_message(body))
    assert not verify_signature(signer.public_bytes, signature, body)


# --- keys -----------------------------------------------------------------------------------------------


def test_key_id_is_the_first_eight_bytes_of_the_public_key_hash():
    signer = signer_from_seed(1)
    assert signer.key_id == hashlib.sha256(signer.public_bytes).digest()[:8].hex()
    assert len(signer.key_id) == 16 and len(signer.public_bytes) == 32
    assert key_id_for(signer.public_bytes) == signer.key_id


def test_a_generated_key_file_is_private_and_loads_back(tmp_path):
    path = tmp_path / "ledger.pem"
    signer = generate_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_signer(path).key_id == signer.key_id


def test_an_existing_key_file_is_never_overwritten(tmp_path):
    path = tmp_path / "ledger.pem"
    generate_key_file(path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="already exists"):
        generate_key_file(path)
    assert path.read_bytes() == before


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_key_file_readable_by_group_or_others_is_refused(tmp_path, mode):
    path = tmp_path / "ledger.pem"
    generate_key_file(path)
    os.chmod(path, mode)
    with pytest.raises(KeyFileError, match="chmod 600"):
        load_signer(path)


def test_an_owner_only_key_file_with_mode_0400_loads(tmp_path):
    path = tmp_path / "ledger.pem"
    generate_key_file(path)
    os.chmod(path, 0o400)
    assert load_signer(path).key_id


def test_a_missing_key_file_is_reported_clearly(tmp_path):
    with pytest.raises(KeyFileError, match="not found"):
        load_signer(tmp_path / "absent.pem")


def test_a_key_file_holding_another_kind_of_key_is_refused(tmp_path):
    path = tmp_path / "ec.pem"
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, pem)
    os.close(fd)
    with pytest.raises(KeyFileError, match="Ed25519"):
        load_signer(path)


def test_garbage_in_a_key_file_is_refused(tmp_path):
    path = tmp_path / "junk.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, b"not a key")
    os.close(fd)
    with pytest.raises(KeyFileError):
        load_signer(path)


def test_signature_checks_fail_for_other_keys_messages_or_malformed_input():
    signer, other = signer_from_seed(1), signer_from_seed(2)
    signature = signer.sign(b"m")
    assert verify_signature(signer.public_bytes, signature, b"m")
    assert not verify_signature(other.public_bytes, signature, b"m")
    assert not verify_signature(signer.public_bytes, signature, b"n")
    assert not verify_signature(signer.public_bytes[:31], signature, b"m")
    assert not verify_signature(signer.public_bytes, signature[:63], b"m")
    with pytest.raises(ValueError):
        public_key_from_bytes(b"short")


# --- timestamps -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T0, "2025-03-01T09:00:00.000000Z"),
        (T0 + timedelta(microseconds=7), "2025-03-01T09:00:00.000007Z"),
        (datetime(2025, 3, 1, 10, 0, tzinfo=timezone(timedelta(hours=1))), "2025-03-01T09:00:00.000000Z"),
    ],
)
def test_timestamps_are_utc_with_microseconds_and_z(moment, text):
    assert format_ts(moment) == text
    assert parse_ts(text) == moment


def test_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        format_ts(datetime(2025, 3, 1, 9, 0))


@pytest.mark.parametrize(
    "text",
    ["2025-03-01T09:00:00Z", "2025-03-01T09:00:00.000000+00:00", "2025-03-01 09:00:00.000000Z",
     "2025-13-01T09:00:00.000000Z", "2025-02-30T09:00:00.000000Z", "", "2025-03-01T09:00:00.000000z"],
)
def test_other_timestamp_forms_are_refused(text):
    with pytest.raises(ValueError):
        parse_ts(text)


@pytest.mark.parametrize(
    ("clock", "previous", "expected"),
    [
        (T0, None, "2025-03-01T09:00:00.000000Z"),
        (T0, "2025-03-01T08:59:59.999999Z", "2025-03-01T09:00:00.000000Z"),
        (T0, "2025-03-01T09:00:00.000000Z", "2025-03-01T09:00:00.000000Z"),
        (T0, "2025-03-01T09:00:00.000001Z", "2025-03-01T09:00:00.000001Z"),
    ],
)
def test_next_timestamp_never_goes_backwards(clock, previous, expected):
    assert next_timestamp(clock, previous) == expected


# --- entries --------------------------------------------------------------------------------------------


def test_an_entry_round_trips_through_its_canonical_bytes():
    entry = sample_entry()
    data = entry.to_bytes()
    assert is_canonical(data)
    assert Entry.from_bytes(data) == entry
    assert set(entry.body_dict()) == {"seq", "ts", "actor", "action", "record", "payload", "reason", "prev", "key_id"}


def test_entry_strings_are_nfc_normalised_in_the_stored_bytes():
    entry = sample_entry(actor=Actor(7, "Jose\u0301 Pe\u0301rez", "investigator"))
    assert Entry.from_bytes(entry.to_bytes()).actor.name == "Jos\u00e9 P\u00e9rez"


def test_a_payload_float_is_refused_when_encoding():
    with pytest.raises(CanonicalError, match="payload.weight"):
        sample_entry(payload={"weight": 12.5}).to_bytes()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda b: b.pop("reason"), "missing reason"),
        (lambda b: b.update(extra=1), "unknown extra"),
        (lambda b: b["actor"].pop("role"), "actor: missing role"),
        (lambda b: b["record"].update(visit="x"), "record: unknown visit"),
        (lambda b: b.update(seq=0), "seq"),
        (lambda b: b.update(seq=True), "seq"),
        (lambda b: b.update(ts="yesterday"), "timestamp"),
        (lambda b: b.update(prev="AB" * 32), "prev"),
        (lambda b: b.update(key_id="xyz"), "key_id"),
        (lambda b: b.update(action=""), "action"),
        (lambda b: b.update(payload=[]), "payload"),
        (lambda b: b.update(actor="me"), "actor"),
        (lambda b: b["actor"].update(user_id="7"), "user_id"),
        (lambda b: b["record"].update(site=1), "site"),
    ],
)
def test_a_body_with_missing_unknown_or_mistyped_keys_is_refused(mutate, message):
    body = sample_entry().body_dict()
    body["actor"] = dict(body["actor"])
    body["record"] = dict(body["record"])
    mutate(body)
    with pytest.raises(EntryError, match=message):
        Entry.from_dict(body)


def test_the_first_entry_must_link_to_the_genesis_prev():
    with pytest.raises(EntryError, match="GENESIS_PREV"):
        sample_entry(seq=1)
    assert sample_entry(seq=1, prev=GENESIS_PREV).prev == "0" * 64


def test_a_non_canonical_body_is_refused_by_from_bytes():
    with pytest.raises(EntryError, match="not canonical"):
        Entry.from_bytes(sample_entry().to_bytes().replace(b'"seq":2', b'"seq": 2'))


def test_sealing_signs_the_domain_separated_canonical_body():
    signer = signer_from_seed(1)
    sealed = seal(sample_entry(), signer)
    assert sealed.body == sample_entry().to_bytes()
    assert sealed.leaf_hash == leaf_hash(sealed.body)
    assert sealed.key_id == signer.key_id and sealed.seq == 2
    assert verify_signature(signer.public_bytes, sealed.signature, signing_message(sealed.body))
    assert sealed.as_record() == (2, sealed.body, sealed.signature)


def test_sealing_with_a_key_other_than_the_named_one_is_refused():
    with pytest.raises(EntryError, match="signer holds key"):
        seal(sample_entry(), signer_from_seed(2))


def test_the_chain_starts_with_genesis_at_seq_1_and_links_each_entry_to_the_previous():
    signer = LedgerSigner.generate()
    first = genesis_entry(signer, T0)
    head = ChainHead().advance(first)
    second = append_entry(head, signer, T0 - timedelta(seconds=5), INVESTIGATOR, "auth.login")
    parsed_first, parsed_second = Entry.from_bytes(first.body), Entry.from_bytes(second.body)
    assert (parsed_first.seq, parsed_first.action, parsed_first.prev) == (1, "ledger.genesis", GENESIS_PREV)
    assert parsed_first.payload == {"public_key": signer.public_b64, "key_id": signer.key_id}
    assert (parsed_second.seq, parsed_second.prev) == (2, first.leaf_hash.hex())
    assert parsed_second.ts == parsed_first.ts  # the clock stepped back; the timestamp did not
    assert parsed_second.record == RecordRef()


def test_changing_any_field_changes_the_bytes():
    base = sample_entry().to_bytes()
    for change in (dict(seq=3), dict(reason=None), dict(payload={"old": "12.40", "new": "12.5"}),
                   dict(actor=replace(INVESTIGATOR, role="monitor")), dict(record=RecordRef(site="02"))):
        assert sample_entry(**change).to_bytes() != base
