"""A self-contained offline bundle that anyone can verify with only ``audit/`` and ``cryptography``.

Layout of the bundle directory:

* ``entries.jsonl``: one ``{"seq", "body", "sig"}`` object per line; ``body`` is the base64 of the
  stored canonical bytes, so they reach the auditor verbatim;
* ``checkpoints.txt``: signed checkpoint notes separated by a line ``---``;
* ``keys.json``: the key history with each key's verifier-key string;
* ``manifest.json``: format, origin, counts, head and the SHA-256 of each file.

The manifest and keys.json are not signed: they are checked against what the signatures prove and
catch accidents (a truncated copy, an edited file) with a clear message.  Trust comes from the
auditor's own keys and kept checkpoint.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterable

from .checkpoint import CheckpointError, vkey_string
from .entry import GENESIS_ACTION, KEY_ROTATED_ACTION, SealedEntry
from .hashing import leaf_hash
from .keys import b64, unb64
from .merkle import MerkleTree
from .verifier import VerificationReport, verify_entries

FORMAT = "nk-edc-ledger-bundle/1"
ENTRIES_FILE = "entries.jsonl"
CHECKPOINTS_FILE = "checkpoints.txt"
KEYS_FILE = "keys.json"
MANIFEST_FILE = "manifest.json"
NOTE_SEPARATOR = "---\n"
_LINE_KEYS = {"seq", "body", "sig"}


class BundleError(Exception):
    """The bundle cannot be written (e.g. it would overwrite an existing one)."""


def _record_triple(record: Any) -> tuple[int, bytes, bytes]:
    if isinstance(record, SealedEntry):
        return record.as_record()
    seq, body, signature = record
    return seq, bytes(body), bytes(signature)


def _key_history(records: list[tuple[int, bytes, bytes]]) -> list[dict[str, Any]]:
    history: list[dict[str, Any]] = []
    for seq, body, _ in records:
        if b'"ledger.' not in body:
            continue
        parsed = json.loads(body)
        if parsed.get("action") == GENESIS_ACTION:
            key_id, public = parsed["payload"]["key_id"], parsed["payload"]["public_key"]
        elif parsed.get("action") == KEY_ROTATED_ACTION:
            key_id, public = parsed["payload"]["new_key_id"], parsed["payload"]["new_public_key"]
        else:
            continue
        if history:
            history[-1]["retired_at_seq"] = seq
        history.append({"key_id": key_id, "public_key": public, "introduced_at_seq": seq, "retired_at_seq": None})
    return history


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_bundle(
    directory: str | os.PathLike[str],
    records: Iterable[Any],
    checkpoints: list[str],
    public_keys: dict[str, bytes],
    origin: str,
) -> Path:
    """Write the bundle into ``directory`` (created if needed) and return its path.

    :raises BundleError: when a bundle file already exists there, or a key of the history is not
        in ``public_keys``.
    """
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    for name in (ENTRIES_FILE, CHECKPOINTS_FILE, KEYS_FILE, MANIFEST_FILE):
        if (target / name).exists():
            raise BundleError(f"{target / name} already exists; export into an empty directory")
    triples = [_record_triple(record) for record in records]
    history = _key_history(triples)
    for period in history:
        known = public_keys.get(period["key_id"])
        if known is None or b64(known) != period["public_key"]:
            raise BundleError(f"key {period['key_id']} of the ledger's history is missing from public_keys")
    tree = MerkleTree()
    with open(target / ENTRIES_FILE, "w", encoding="utf-8", newline="\n") as handle:
        for seq, body, signature in triples:
            tree.append(leaf_hash(body))
            handle.write(json.dumps({"seq": seq, "body": b64(body), "sig": b64(signature)}, separators=(",", ":")))
            handle.write("\n")
    with open(target / CHECKPOINTS_FILE, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(NOTE_SEPARATOR.join(checkpoints))
    keys_doc = {
        "origin": origin,
        "history": history,
        "vkeys": {key_id: vkey_string(origin, public) for key_id, public in sorted(public_keys.items())},
    }
    (target / KEYS_FILE).write_text(json.dumps(keys_doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    manifest = {
        "format": FORMAT,
        "origin": origin,
        "entries": len(triples),
        "checkpoints": len(checkpoints),
        "head_size": tree.size,
        "head_root": tree.root().hex(),
        "files": {name: _sha256_file(target / name) for name in (ENTRIES_FILE, CHECKPOINTS_FILE, KEYS_FILE)},
    }
    (target / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return target


def _bundle_failure(message: str, first_bad_seq: int | None = None, kind: str = "bundle",
                    base: VerificationReport | None = None) -> VerificationReport:
    if base is None:
        return VerificationReport(False, 0, 0, [], first_bad_seq, message, 0, MerkleTree().root().hex(), kind)
    return dataclasses.replace(base, ok=False, first_bad_seq=first_bad_seq, problem=message, problem_kind=kind)


def _parse_lines(data: bytes) -> tuple[list[tuple[int, bytes, bytes]], str | None]:
    """The records before the first bad line, and that line's problem (None when all lines are good)."""
    lines = data.split(b"\n")
    unterminated = lines.pop()
    records: list[tuple[int, bytes, bytes]] = []
    for number, line in enumerate(lines, start=1):
        decoded = _decode_line(line)
        if isinstance(decoded, str):
            return records, f"{ENTRIES_FILE} line {number}: {decoded}"
        records.append(decoded)
    if unterminated:
        return records, f"{ENTRIES_FILE} line {len(lines) + 1}: does not end with a newline (truncated line)"
    return records, None


def _decode_line(line: bytes) -> tuple[int, bytes, bytes] | str:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "not valid JSON (truncated or garbled line)"
    if not isinstance(obj, dict) or obj.keys() != _LINE_KEYS:
        return 'must be an object with exactly "seq", "body" and "sig"'
    if type(obj["seq"]) is not int:
        return "seq is not an integer"
    try:
        return obj["seq"], unb64(obj["body"]), unb64(obj["sig"])
    except ValueError as exc:
        return f"body or sig: {exc}"


def _split_notes(text: str) -> list[str]:
    if not text:
        return []
    return text.split(NOTE_SEPARATOR)


def verify_bundle(
    directory: str | os.PathLike[str],
    trusted_checkpoint: str | None = None,
    trusted_keys: Iterable[bytes] | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> VerificationReport:
    """Verify an exported bundle; see :func:`audit.verifier.verify_entries` for the checks.

    Entry problems are reported first (they name a sequence number), then a garbled line, then
    disagreements between the manifest or keys.json and what the signatures prove.
    """
    root = Path(directory)
    try:
        manifest = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return _bundle_failure(f"{MANIFEST_FILE} is missing: not a ledger bundle")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _bundle_failure(f"{MANIFEST_FILE} is not valid JSON")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return _bundle_failure(f"{MANIFEST_FILE}: unknown bundle format (expected {FORMAT})")
    origin = manifest.get("origin")
    try:
        entries_data = (root / ENTRIES_FILE).read_bytes()
        notes_text = (root / CHECKPOINTS_FILE).read_text(encoding="utf-8")
        keys_text = (root / KEYS_FILE).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        return _bundle_failure(f"{Path(exc.filename).name} is missing from the bundle")
    except UnicodeDecodeError as exc:
        return _bundle_failure(f"bundle text file is not UTF-8 ({exc})")

    records, line_problem = _parse_lines(entries_data)
    if line_problem is not None:
        report = verify_entries(records, trusted_keys=trusted_keys, progress=progress, workers=workers)
        if not report.ok and report.entries_checked < len(records):
            return report
        return _bundle_failure(line_problem, len(records) + 1, "bundle", report)

    notes = _split_notes(notes_text)
    report = verify_entries(
        records,
        trusted_keys=trusted_keys,
        checkpoints=notes,
        trusted_checkpoint=trusted_checkpoint,
        progress=progress,
        workers=workers,
        origin=origin if isinstance(origin, str) else None,
    )
    if not report.ok:
        return report
    return _check_manifest(root, manifest, keys_text, records, len(notes), report)


def _check_manifest(root: Path, manifest: dict[str, Any], keys_text: str, records: list[tuple[int, bytes, bytes]],
                    notes_count: int, report: VerificationReport) -> VerificationReport:
    listed = manifest.get("entries")
    held = len(records)
    if listed != held:
        if isinstance(listed, int) and listed > held:
            return _bundle_failure(
                f"manifest lists {listed} entries but {ENTRIES_FILE} holds {held}: entries {held + 1}..{listed} "
                f"are missing (truncated copy)", held + 1, "truncation", report)
        return _bundle_failure(f"manifest lists {listed} entries but {ENTRIES_FILE} holds {held}", None, "bundle", report)
    if manifest.get("head_root") != report.head_root_hex:
        return _bundle_failure("manifest head_root does not match the verified entries", None, "bundle", report)
    files = manifest.get("files")
    if not isinstance(files, dict):
        return _bundle_failure("manifest lists no file hashes", None, "bundle", report)
    for name in (ENTRIES_FILE, CHECKPOINTS_FILE, KEYS_FILE):
        if files.get(name) != _sha256_file(root / name):
            return _bundle_failure(f"manifest: SHA-256 of {name} does not match (file changed after export)",
                                   None, "bundle", report)
    if manifest.get("checkpoints") != notes_count:
        return _bundle_failure("manifest checkpoint count does not match checkpoints.txt", None, "bundle", report)
    return _check_keys_file(keys_text, report, manifest.get("origin"))


def _check_keys_file(keys_text: str, report: VerificationReport, origin: Any) -> VerificationReport:
    try:
        keys_doc = json.loads(keys_text)
        history = [
            (item["key_id"], item["public_key"], item["introduced_at_seq"], item["retired_at_seq"])
            for item in keys_doc["history"]
        ]
        vkeys = keys_doc["vkeys"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return _bundle_failure(f"{KEYS_FILE} is malformed", None, "bundle", report)
    proven = [tuple(period) for period in report.key_history]
    if history != proven:
        return _bundle_failure(
            f"{KEYS_FILE} does not match the key history proven by the entries (public key replaced?)",
            None, "keys", report)
    for key_id, public_b64, _, _ in proven:
        try:
            expected = vkey_string(origin, unb64(public_b64))
        except (CheckpointError, ValueError):
            return _bundle_failure(f"{KEYS_FILE}: cannot form the verifier key of {key_id}", None, "keys", report)
        if vkeys.get(key_id) != expected:
            return _bundle_failure(f"{KEYS_FILE}: verifier key of {key_id} does not match the ledger's key",
                                   None, "keys", report)
    return report
