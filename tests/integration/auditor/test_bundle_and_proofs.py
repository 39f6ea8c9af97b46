"""What the auditor takes home: the offline bundle (verified by audit.bundle and by
``edc ledger verify-bundle``), inclusion proofs (``edc ledger verify-proof``), and checkpoints kept
from earlier checked against the ledger as it is now."""
from __future__ import annotations

import base64
import io
import json
import zipfile

import pytest

from tests.fixtures.accounts import ledger_entries
from tests.integration.auditor.conftest import tamper_entry, token


def download_bundle(client, tmp_path):
    response = client.post("/auditor/bundle", data={"csrf_token": token(client)})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
    return response, tmp_path / "ledger-bundle"


def keep_checkpoint(client) -> str:
    client.post("/auditor/checkpoints", data={"csrf_token": token(client)})
    response = client.get("/auditor/checkpoints/latest")
    assert response.status_code == 200
    return response.data.decode()


def ledger_public_key(db) -> str:
    from edc.services import ledger as ledger_service

    (public,) = ledger_service.public_keys(db).values()
    return base64.b64encode(public).decode()


def test_the_downloaded_bundle_verifies_offline_and_its_download_is_ledgered(study, auditor, client, db, tmp_path, runner):
    import hashlib

    from audit.bundle import verify_bundle
    from edc.cli import main

    response, folder = download_bundle(client, tmp_path)
    report = verify_bundle(folder)
    assert report.ok, report.problem
    entry = ledger_entries(db, "export.ledger_bundle")[-1]
    assert entry.payload["sha256"] == hashlib.sha256(response.data).hexdigest()
    assert entry.payload["entries"] == report.entries_checked == entry.seq - 1
    assert entry.actor.role == "auditor"
    result = runner.invoke(main, ["ledger", "verify-bundle", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Ledger INTACT" in result.output


def test_the_documented_command_checks_the_genesis_key_the_auditor_trusts(study, auditor, client, db, tmp_path, runner):
    from edc.cli import main

    _, folder = download_bundle(client, tmp_path)
    trusted = runner.invoke(main, ["ledger", "verify-bundle", str(folder), "--trusted-key", ledger_public_key(db)])
    assert trusted.exit_code == 0, trusted.output
    stranger = base64.b64encode(bytes(range(32))).decode()
    untrusted = runner.invoke(main, ["ledger", "verify-bundle", str(folder), "--trusted-key", stranger])
    assert untrusted.exit_code == 1
    assert "first bad entry: 1" in untrusted.output


def test_verify_bundle_fails_on_a_tampered_line(study, auditor, client, tmp_path, runner):
    from edc.cli import main

    _, folder = download_bundle(client, tmp_path)
    entries = folder / "entries.jsonl"
    lines = entries.read_text().splitlines(keepends=True)
    record = json.loads(lines[4])
    body = base64.b64decode(record["body"]).replace(b"RAH", b"XAH", 1)
    record["body"] = base64.b64encode(body).decode()
    lines[4] = json.dumps(record, separators=(",", ":")) + "\n"
    entries.write_text("".join(lines))
    result = runner.invoke(main, ["ledger", "verify-bundle", str(folder)])
    assert result.exit_code == 1
    assert "first bad entry: 5" in result.output


def test_a_bundle_extending_a_kept_checkpoint_passes_and_a_rewritten_one_fails(study, auditor, client, db, app, backend,
                                                                                tmp_path, runner):
    from edc.cli import main

    kept = tmp_path / "kept-checkpoint.txt"
    kept.write_text(keep_checkpoint(client))
    _, folder = download_bundle(client, tmp_path / "first")
    assert runner.invoke(main, ["ledger", "verify-bundle", str(folder), "--trusted-checkpoint", str(kept)]).exit_code == 0
    tamper_entry(app, backend, 3, lambda body: body.replace(b'"ts":"20', b'"ts":"19', 1))
    _, rewritten = download_bundle(client, tmp_path / "second")
    result = runner.invoke(main, ["ledger", "verify-bundle", str(rewritten), "--trusted-checkpoint", str(kept)])
    assert result.exit_code == 1
    assert "first bad entry: 3" in result.output


def test_a_kept_checkpoint_is_proven_consistent_with_the_grown_ledger(study, auditor, client):
    note = keep_checkpoint(client)
    client.post("/auditor/checkpoints", data={"csrf_token": token(client)})
    download = client.post("/auditor/bundle", data={"csrf_token": token(client)})
    assert download.status_code == 200  # appends an export entry: the ledger grows past the kept checkpoint
    page = client.post("/auditor/consistency", data={"csrf_token": token(client), "checkpoint": note}).data.decode()
    assert "<strong>Consistent.</strong>" in page
    assert '<ol class="proof">' in page


def _forged_root(note: str) -> str:
    lines = note.split("\n")
    root = bytearray(base64.b64decode(lines[2]))
    root[0] ^= 1
    lines[2] = base64.b64encode(bytes(root)).decode()
    return "\n".join(lines)


def _forked(app, db, note: str) -> str:
    """A checkpoint of the same size, properly signed with the ledger's key, over other entries (a fork)."""
    from audit.checkpoint import Checkpoint, parse_checkpoint_unverified
    from edc.services.ledger import signer_for
    from edc.wiring import ledger_config

    kept = parse_checkpoint_unverified(note)
    with app.app_context():
        signer = signer_for(ledger_config())
    other_root = bytes(32 - len(b"fork")) + b"fork"
    return Checkpoint(kept.origin, kept.size, other_root, kept.time).to_note(signer)


@pytest.mark.parametrize("make_note, verdict", [
    (_forged_root, "signature is not valid"),
    (lambda note: note.replace("\n\n", "\n"), "not a checkpoint note"),
    (lambda note: note.replace("nk-edc", "other-log"), "not this ledger"),
])
def test_a_forged_or_foreign_checkpoint_is_reported(study, auditor, client, make_note, verdict):
    note = make_note(keep_checkpoint(client))
    page = client.post("/auditor/consistency", data={"csrf_token": token(client), "checkpoint": note}).data.decode()
    assert "<strong>Not consistent.</strong>" in page
    assert verdict in page


def test_a_forked_history_is_reported_as_rewritten(study, auditor, client, app, db):
    note = _forked(app, db, keep_checkpoint(client))
    page = client.post("/auditor/consistency", data={"csrf_token": token(client), "checkpoint": note}).data.decode()
    assert "<strong>Not consistent.</strong>" in page and "history was rewritten" in page


def test_an_entry_rewritten_after_the_checkpoint_was_kept_is_reported(study, auditor, client, app, backend):
    note = keep_checkpoint(client)
    tamper_entry(app, backend, 4, lambda body: body.replace(b'"ts":"20', b'"ts":"19', 1))
    page = client.post("/auditor/consistency", data={"csrf_token": token(client), "checkpoint": note}).data.decode()
    assert "history was rewritten" in page


def test_an_inclusion_proof_downloads_and_verify_proof_accepts_it_but_not_a_flipped_bit(study, auditor, client, db,
                                                                                         tmp_path, runner):
    from edc.cli import main

    response = client.post("/auditor/proof", data={"csrf_token": token(client), "seq": "7"})
    assert response.status_code == 200 and response.mimetype == "application/json"
    proof = response.get_json()
    assert proof["seq"] == 7
    good = tmp_path / "proof.json"
    good.write_text(json.dumps(proof))
    key = ledger_public_key(db)
    result = runner.invoke(main, ["ledger", "verify-proof", str(good), "--public-key", key])
    assert result.exit_code == 0, result.output
    node = bytearray(bytes.fromhex(proof["proof"][0]))
    node[-1] ^= 0x01
    proof["proof"][0] = node.hex()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(proof))
    result = runner.invoke(main, ["ledger", "verify-proof", str(bad), "--public-key", key])
    assert result.exit_code == 1 and "proof INVALID" in result.output


def test_the_proofs_of_a_form_instance_cover_exactly_its_entries(study, auditor, client, db, tmp_path, runner):
    from edc.cli import main

    response = client.post("/auditor/proof", data={"csrf_token": token(client), "subject": study.subject_code,
                                                   "instance": study.instance_ref})
    assert response.status_code == 200 and response.mimetype == "application/zip"
    expected = [e.seq for e in ledger_entries(db) if e.record.instance == study.instance_ref]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        archive.extractall(tmp_path)
        names = sorted(n for n in archive.namelist() if n.endswith(".json"))
    assert sorted(names) == sorted(f"proof-{seq}.json" for seq in expected)
    key = ledger_public_key(db)
    for name in names:
        assert runner.invoke(main, ["ledger", "verify-proof", str(tmp_path / name), "--public-key", key]).exit_code == 0


def test_the_ledger_page_shows_the_latest_checkpoint_and_the_key_history(study, auditor, client, db):
    note = keep_checkpoint(client)
    page = client.get("/auditor/ledger").data.decode()
    assert note.split("\n")[2] in page
    assert ledger_public_key(db) in page
    assert "genesis" in page and "in force" in page
