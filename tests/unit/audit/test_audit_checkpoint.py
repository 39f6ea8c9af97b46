"""C2SP signed-note checkpoints: exact format, the Go reference vector, and refusal of altered notes."""
from __future__ import annotations

import base64
import hashlib

import pytest
from audit_factories import ORIGIN, signer_from_seed
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.checkpoint import (
    Checkpoint,
    CheckpointError,
    parse_checkpoint,
    parse_checkpoint_unverified,
    parse_vkey,
    sign_note,
    vkey_string,
)
from audit.keys import LedgerSigner

ROOT = hashlib.sha256(b"some root").digest()
TIME = "2025-03-01T09:00:00.000000Z"

# golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann key and its signed note.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_SIGNATURE_LINE = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def go_signer() -> LedgerSigner:
    seed = base64.b64decode(GO_SKEY.split("+", 4)[4])[1:]  # the key itself may contain "+"
    return LedgerSigner(Ed25519PrivateKey.from_private_bytes(seed))


def test_notes_are_byte_identical_to_the_go_reference_implementation():
    assert sign_note(GO_TEXT, "PeterNeumann", go_signer()) == GO_TEXT + "\n" + GO_SIGNATURE_LINE


def test_verifier_keys_are_byte_identical_to_the_go_reference_implementation():
    signer = go_signer()
    assert vkey_string("PeterNeumann", signer.public_bytes) == GO_VKEY
    assert parse_vkey(GO_VKEY) == ("PeterNeumann", signer.public_bytes)


@pytest.mark.parametrize(
    "vkey",
    [GO_VKEY.replace("c74f20a3", "c74f20a4"), GO_VKEY.replace("PeterNeumann", "PeterNeuman"),
     GO_VKEY[:-4], "PeterNeumann+c74f20a3", GO_VKEY.replace("+AR", "+Ah")],
)
def test_mangled_verifier_keys_are_refused(vkey):
    with pytest.raises(CheckpointError):
        parse_vkey(vkey)


def test_a_checkpoint_note_has_the_tlog_checkpoint_layout():
    signer = signer_from_seed(1)
    note = Checkpoint(ORIGIN, 42, ROOT, TIME).to_note(signer)
    lines = note.split("\n")
    assert lines[:5] == [ORIGIN, "42", base64.b64encode(ROOT).decode(), f"time {TIME}", ""]
    assert lines[5].startswith(f"\u2014 {ORIGIN} ") and lines[6] == ""
    blob = base64.b64decode(lines[5].split(" ")[2])
    key_hash = hashlib.sha256(ORIGIN.encode() + b"\n\x01" + signer.public_bytes).digest()[:4]
    assert blob[:4] == key_hash and len(blob) == 68


def test_a_signed_checkpoint_parses_back_and_names_its_key():
    signer = signer_from_seed(1)
    note = Checkpoint(ORIGIN, 42, ROOT, TIME).to_note(signer)
    parsed = parse_checkpoint(note, [signer.public_bytes])
    assert parsed == Checkpoint(ORIGIN, 42, ROOT, TIME)
    assert parsed.signed_by == signer.key_id
    assert parse_checkpoint(note, {signer.key_id: signer.public_bytes}) == parsed


def test_signatures_by_unknown_keys_are_ignored_when_a_known_one_verifies():
    signer, stranger = signer_from_seed(1), signer_from_seed(5)
    note = Checkpoint(ORIGIN, 3, ROOT, TIME).to_note(signer)
    extra = sign_note(Checkpoint(ORIGIN, 3, ROOT, TIME).body(), "witness.example", stranger).split("\n\n")[1]
    assert parse_checkpoint(note + extra, [signer.public_bytes]).size == 3


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda n: n.replace("\n42\n", "\n43\n"), "does not verify"),
        (lambda n: n.replace("time 2025-03-01", "time 2024-03-01"), "does not verify"),
        (lambda n: n.replace(ORIGIN, "other.example/log"), "no signature by a known"),
        (lambda n: n.rstrip("\n"), "end with a newline"),
        (lambda n: n.replace("\n\n", "\n"), "no blank line"),
        (lambda n: n.replace("\u2014 ", "- "), "malformed signature line"),
        (lambda n: n.replace("\n42\n", "\n042\n"), "not a decimal"),
        (lambda n: n.replace(f"time {TIME}\n", ""), "4 lines"),
        (lambda n: n.replace("time ", "tyme "), "time"),
        (lambda n: n.replace("\n42\n", "\n42\nextra\n"), "4 lines"),
    ],
)
def test_altered_or_malformed_notes_are_refused(tamper, message):
    signer = signer_from_seed(1)
    note = Checkpoint(ORIGIN, 42, ROOT, TIME).to_note(signer)
    with pytest.raises(CheckpointError, match=message):
        parse_checkpoint(tamper(note), [signer.public_bytes])


def test_a_checkpoint_signed_by_another_key_is_refused():
    note = Checkpoint(ORIGIN, 42, ROOT, TIME).to_note(signer_from_seed(9))
    with pytest.raises(CheckpointError, match="no signature by a known ledger key"):
        parse_checkpoint(note, [signer_from_seed(1).public_bytes])


def test_a_checkpoint_signature_line_with_a_known_key_hash_but_forged_signature_is_refused():
    signer = signer_from_seed(1)
    note = Checkpoint(ORIGIN, 42, ROOT, TIME).to_note(signer)
    body, line = note.split("\n\n")
    name, blob_text = line.rstrip("\n").split(" ")[1:]
    blob = bytearray(base64.b64decode(blob_text))
    blob[10] ^= 1
    forged = f"{body}\n\n\u2014 {name} {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(CheckpointError, match="does not verify"):
        parse_checkpoint(forged, [signer.public_bytes])


@pytest.mark.parametrize(
    ("origin", "size", "root", "time"),
    [
        ("", 1, ROOT, TIME),
        ("has space", 1, ROOT, TIME),
        ("a+b", 1, ROOT, TIME),
        ("nk-edc/ledger-entry/v1", 1, ROOT, TIME),
        (ORIGIN, -1, ROOT, TIME),
        (ORIGIN, 1, ROOT[:31], TIME),
        (ORIGIN, 1, ROOT, "2025-03-01T09:00:00Z"),
    ],
)
def test_invalid_checkpoint_fields_are_refused(origin, size, root, time):
    with pytest.raises(CheckpointError):
        Checkpoint(origin, size, root, time)


def test_an_unverified_parse_reads_the_fields_for_display():
    note = Checkpoint(ORIGIN, 7, ROOT, TIME).to_note(signer_from_seed(1))
    assert parse_checkpoint_unverified(note) == Checkpoint(ORIGIN, 7, ROOT, TIME)
