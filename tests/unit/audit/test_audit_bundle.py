"""Offline bundles: written verbatim, verified without a database, and every damaged copy named."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
import rfc8785
from audit_factories import ORIGIN, build_ledger, signer_from_seed

from audit.bundle import BundleError, verify_bundle, write_bundle
from audit.chain import InMemoryLedger
from audit.checkpoint import vkey_string
from audit.keys import b64

N = 30
REAL = signer_from_seed(1)
ATTACKER = signer_from_seed(66)


def export(directory: Path, built: InMemoryLedger, checkpoint_sizes=(10, 30)) -> Path:
    notes = [built.checkpoint_note(ORIGIN, size=size) for size in checkpoint_sizes]
    return write_bundle(directory / "bundle", built.entries, notes, built.public_keys, ORIGIN)


def lines_of(bundle: Path) -> list[bytes]:
    return (bundle / "entries.jsonl").read_bytes().splitlines(keepends=True)


def write_lines(bundle: Path, lines: list[bytes], refresh: bool = True) -> None:
    (bundle / "entries.jsonl").write_bytes(b"".join(lines))
    if refresh:
        refresh_manifest(bundle)


def refresh_manifest(bundle: Path, **changes) -> None:
    """What a careful attacker does after editing a file: make the unsigned manifest agree again."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((bundle / name).read_bytes()).hexdigest()
    manifest.update(changes)
    (bundle / "manifest.json").write_text(json.dumps(manifest))


def edit_body(line: bytes, mutate) -> bytes:
    record = json.loads(line)
    body = json.loads(base64.b64decode(record["body"]))
    mutate(body)
    record["body"] = base64.b64encode(rfc8785.dumps(body)).decode()
    return json.dumps(record).encode() + b"\n"


@pytest.fixture
def bundle(tmp_path) -> Path:
    return export(tmp_path, build_ledger(N, rotate_at=12))


# --- writing ------------------------------------------------------------------------------------------


def test_a_bundle_holds_the_stored_bytes_verbatim_and_a_manifest(tmp_path):
    built = build_ledger(N, rotate_at=12)
    bundle = export(tmp_path, built)
    assert sorted(p.name for p in bundle.iterdir()) == ["checkpoints.txt", "entries.jsonl", "keys.json",
                                                        "manifest.json"]
    for sealed, line in zip(built.entries, lines_of(bundle)):
        record = json.loads(line)
        assert set(record) == {"seq", "body", "sig"} and record["seq"] == sealed.seq
        assert base64.b64decode(record["body"]) == sealed.body
        assert base64.b64decode(record["sig"]) == sealed.signature
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["entries"] == N and manifest["checkpoints"] == 2 and manifest["origin"] == ORIGIN
    assert manifest["head_root"] == built.tree.root().hex()
    assert manifest["files"]["entries.jsonl"] == hashlib.sha256((bundle / "entries.jsonl").read_bytes()).hexdigest()
    assert (bundle / "checkpoints.txt").read_text().count("\n---\n") == 1


def test_keys_json_lists_the_history_and_standard_verifier_keys(bundle):
    keys = json.loads((bundle / "keys.json").read_text())
    new = signer_from_seed(2)
    assert [(k["key_id"], k["introduced_at_seq"], k["retired_at_seq"]) for k in keys["history"]] == [
        (REAL.key_id, 1, 12), (new.key_id, 12, None)]
    assert keys["vkeys"][REAL.key_id] == vkey_string(ORIGIN, REAL.public_bytes)


def test_a_bundle_is_never_written_over_another(bundle):
    with pytest.raises(BundleError, match="already exists"):
        write_bundle(bundle, [], [], {}, ORIGIN)


def test_a_bundle_needs_every_public_key_of_the_history(tmp_path):
    built = build_ledger(N, rotate_at=12)
    with pytest.raises(BundleError, match="missing from public_keys"):
        write_bundle(tmp_path / "b", built.entries, [], {REAL.key_id: REAL.public_bytes}, ORIGIN)


# --- verifying ----------------------------------------------------------------------------------------


def test_an_intact_bundle_verifies_with_its_checkpoints(bundle):
    report = verify_bundle(bundle, trusted_keys=[REAL.public_bytes])
    assert report.ok and report.entries_checked == N and report.checkpoints_checked == 2


def test_an_intact_bundle_extends_a_checkpoint_kept_earlier(tmp_path):
    kept = build_ledger(20, rotate_at=12).checkpoint_note(ORIGIN)
    bundle = export(tmp_path, build_ledger(N, rotate_at=12))
    report = verify_bundle(bundle, trusted_checkpoint=kept)
    assert report.ok and report.checkpoints_checked == 3


def test_two_workers_give_the_same_bundle_report(bundle):
    lines = lines_of(bundle)
    lines[16] = edit_body(lines[16], lambda b: b.update(reason="changed"))
    write_lines(bundle, lines)
    assert verify_bundle(bundle, workers=2) == verify_bundle(bundle)


@pytest.mark.parametrize(
    ("what", "mutate"),
    [
        ("payload", lambda b: b["payload"]["changes"][0].update(new="99.00")),
        ("actor", lambda b: b["actor"].update(user_id=1)),
        ("timestamp", lambda b: b.update(ts="2025-03-01T09:00:16.000001Z")),
        ("reason", lambda b: b.update(reason="edited later")),
    ],
)
def test_an_entry_altered_in_the_bundle_is_named_even_with_a_refreshed_manifest(bundle, what, mutate):
    lines = lines_of(bundle)
    lines[16] = edit_body(lines[16], mutate)
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 17
    assert report.problem.startswith("entry 17: signature does not verify")


def test_a_truncated_last_line_is_named(bundle):
    data = (bundle / "entries.jsonl").read_bytes()
    (bundle / "entries.jsonl").write_bytes(data[:-40])
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == N
    assert f"entries.jsonl line {N}: does not end with a newline (truncated line)" == report.problem
    assert report.entries_checked == N - 1


def test_a_garbled_line_is_named(bundle):
    lines = lines_of(bundle)
    lines[11] = lines[11][:50] + b"\n"
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 12
    assert report.problem == "entries.jsonl line 12: not valid JSON (truncated or garbled line)"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b'{"seq":12,"body":"%%%","sig":"AA=="}\n', "malformed base64"),
        (b'{"seq":"12","body":"","sig":""}\n', "seq is not an integer"),
        (b'{"seq":12,"body":""}\n', 'exactly "seq", "body" and "sig"'),
        (b'\n', "not valid JSON"),
    ],
)
def test_malformed_lines_are_named(bundle, line, message):
    lines = lines_of(bundle)
    lines[11] = line
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 12 and message in report.problem


def test_an_altered_entry_before_a_garbled_line_is_reported_first(bundle):
    lines = lines_of(bundle)
    lines[4] = edit_body(lines[4], lambda b: b.update(reason="x"))
    lines[11] = b"garbage\n"
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert report.first_bad_seq == 5 and "signature" in report.problem


def test_a_duplicated_line_is_named(bundle):
    lines = lines_of(bundle)
    lines.insert(6, lines[6])
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 7 and report.problem == "entry 7: appears twice (duplicated record)"


def test_a_deleted_middle_line_is_named(bundle):
    lines = lines_of(bundle)
    del lines[9]
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 10 and "missing" in report.problem


def test_deleted_tail_lines_are_named_by_the_manifest(bundle):
    write_lines(bundle, lines_of(bundle)[:25], refresh=False)
    refresh_manifest(bundle)  # hashes refreshed, count left as exported
    report = verify_bundle(bundle)
    assert not report.ok and report.first_bad_seq == 26 and report.problem_kind == "truncation"
    assert "entries 26..30 are missing" in report.problem


def test_deleted_tail_lines_with_a_doctored_manifest_are_named_by_the_kept_checkpoint(tmp_path):
    built = build_ledger(N, rotate_at=12)
    kept = built.checkpoint_note(ORIGIN)
    bundle = export(tmp_path, built, checkpoint_sizes=(10,))
    write_lines(bundle, lines_of(bundle)[:25], refresh=False)
    refresh_manifest(bundle, entries=25, head_size=25, head_root=built.tree.root(25).hex())
    assert verify_bundle(bundle).ok  # without outside knowledge a clean cut is undetectable
    report = verify_bundle(bundle, trusted_checkpoint=kept)
    assert not report.ok and report.first_bad_seq == 26 and report.problem_kind == "truncation"


def test_a_forked_bundle_is_named_against_the_kept_checkpoint(tmp_path):
    kept = build_ledger(20).checkpoint_note(ORIGIN)
    bundle = export(tmp_path, build_ledger(N, variant="fork", diverge_at=15), checkpoint_sizes=(30,))
    assert verify_bundle(bundle).ok
    report = verify_bundle(bundle, trusted_checkpoint=kept)
    assert not report.ok and report.problem_kind == "fork"


def test_a_bundle_re_signed_with_an_attackers_key_is_caught(tmp_path):
    kept = build_ledger(N).checkpoint_note(ORIGIN)
    bundle = export(tmp_path, build_ledger(N, signer=ATTACKER, variant="rewritten"))
    assert verify_bundle(bundle).ok
    untrusted = verify_bundle(bundle, trusted_keys=[REAL.public_bytes])
    assert untrusted.first_bad_seq == 1 and "not one of the trusted keys" in untrusted.problem
    assert verify_bundle(bundle, trusted_checkpoint=kept).problem_kind == "rewrite"


def test_a_replaced_public_key_in_keys_json_is_named(bundle):
    keys = json.loads((bundle / "keys.json").read_text())
    keys["history"][0]["public_key"] = b64(ATTACKER.public_bytes)
    (bundle / "keys.json").write_text(json.dumps(keys))
    refresh_manifest(bundle)
    report = verify_bundle(bundle)
    assert not report.ok and "keys.json does not match the key history" in report.problem


def test_a_replaced_verifier_key_in_keys_json_is_named(bundle):
    keys = json.loads((bundle / "keys.json").read_text())
    keys["vkeys"][REAL.key_id] = vkey_string(ORIGIN, ATTACKER.public_bytes)
    (bundle / "keys.json").write_text(json.dumps(keys))
    refresh_manifest(bundle)
    assert "verifier key of" in verify_bundle(bundle).problem


def test_a_replaced_genesis_key_in_the_entries_is_named(bundle):
    lines = lines_of(bundle)
    lines[0] = edit_body(lines[0], lambda b: b["payload"].update(public_key=b64(ATTACKER.public_bytes)))
    write_lines(bundle, lines)
    report = verify_bundle(bundle)
    assert report.first_bad_seq == 1 and "does not match the key" in report.problem


@pytest.mark.parametrize("name", ["entries.jsonl", "checkpoints.txt", "keys.json"])
def test_a_file_changed_after_export_is_named_by_the_manifest(bundle, name):
    path = bundle / name
    path.write_bytes(path.read_bytes() + (b"\n" if name == "keys.json" else b""))
    if name == "checkpoints.txt":
        path.write_text(path.read_text().split("---\n")[0])
    if name == "entries.jsonl":
        lines = lines_of(bundle)
        lines[3] = json.dumps(json.loads(lines[3]), indent=None, separators=(", ", ": ")).encode() + b"\n"
        write_lines(bundle, lines, refresh=False)
    report = verify_bundle(bundle)
    assert not report.ok and report.problem == f"manifest: SHA-256 of {name} does not match (file changed after export)"


def test_a_checkpoint_with_a_wrong_root_in_the_bundle_is_named(tmp_path):
    built = build_ledger(N)
    note = built.checkpoint_note(ORIGIN, size=12)
    wrong = note.replace(base64.b64encode(built.tree.root(12)).decode(), base64.b64encode(built.tree.root(11)).decode())
    bundle = write_bundle(tmp_path / "b", built.entries, [wrong], built.public_keys, ORIGIN)
    report = verify_bundle(bundle)
    assert not report.ok and report.problem.startswith("checkpoint #1:")


def test_a_missing_or_foreign_manifest_is_named(bundle):
    (bundle / "manifest.json").write_text('{"format": "something/else"}')
    assert "unknown bundle format" in verify_bundle(bundle).problem
    (bundle / "manifest.json").unlink()
    assert "manifest.json is missing" in verify_bundle(bundle).problem


def test_a_missing_entries_file_is_named(bundle):
    (bundle / "entries.jsonl").unlink()
    assert verify_bundle(bundle).problem == "entries.jsonl is missing from the bundle"
