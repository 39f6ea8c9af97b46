"""What auditors do with the stored ledger: verify it, export the offline bundle, prove inclusion.

Verification here is the pure :mod:`audit.verifier` fed from the database, plus the study's own
rule that no screening or treatment data precede valid consent (:mod:`edc.services.precedence`).
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.bundle import MANIFEST_FILE, write_bundle
from audit.checkpoint import parse_checkpoint, parse_checkpoint_unverified
from audit.entry import Entry
from audit.hashing import EMPTY_ROOT, leaf_hash
from audit.keys import b64, unb64
from audit.merkle import MerkleTree, ProofError, verify_inclusion
from audit.verifier import VerificationReport, verify_entries

from ..models import LedgerEntry
from ..wiring import actor_for
from . import ledger as ledger_service
from .precedence import ConsentPrecedenceRule


def entry_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


def verify_database(
    session: Session,
    *,
    workers: int = 1,
    trusted_keys: list[bytes] | None = None,
    trusted_checkpoint: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> VerificationReport:
    """Verify the whole stored ledger, its checkpoints, key history and consent precedence.

    A database that has never written an entry has an empty ledger, which is intact (nothing to
    prove) - unless the auditor holds a checkpoint, which an empty ledger cannot extend.
    """
    if trusted_checkpoint is None and entry_count(session) == 0:
        return VerificationReport(ok=True, entries_checked=0, checkpoints_checked=0, key_history=[], first_bad_seq=None,
                                  problem=None, head_size=0, head_root_hex=EMPTY_ROOT.hex())
    return verify_entries(
        ledger_service.iter_records(session),
        trusted_keys=trusted_keys,
        checkpoints=ledger_service.checkpoint_notes(session),
        trusted_checkpoint=trusted_checkpoint,
        progress=progress,
        workers=workers,
        extra_rules=[ConsentPrecedenceRule()],
    )


def export_bundle(session: Session, config: ledger_service.LedgerConfig, path: Path, exported_by) -> dict[str, Any]:
    """Write the offline bundle to ``path`` and ledger the export with the manifest's SHA-256 (in the
    caller's transaction)."""
    records = list(ledger_service.iter_records(session))
    notes = ledger_service.checkpoint_notes(session)
    write_bundle(path, records, notes, ledger_service.public_keys(session), config.origin)
    manifest_sha = hashlib.sha256((Path(path) / MANIFEST_FILE).read_bytes()).hexdigest()
    actor = actor_for(exported_by) if exported_by is not None else ledger_service.SYSTEM_ACTOR
    ledger_service.append(
        session, config, actor=actor, action="export.ledger_bundle",
        payload={"entries": len(records), "checkpoints": len(notes), "manifest_sha256": manifest_sha},
    )
    return {"entries": len(records), "checkpoints": len(notes), "manifest_sha256": manifest_sha}


def inclusion_proof(session: Session, seq: int) -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` against the latest checkpoint covering it.

    :raises LookupError: when the entry does not exist or no checkpoint covers it yet.
    """
    row = session.get(LedgerEntry, seq)
    if row is None:
        raise LookupError(f"there is no ledger entry {seq}")
    checkpoint = ledger_service.latest_checkpoint(session)
    if checkpoint is None or checkpoint.size < seq:
        raise LookupError(f"no checkpoint covers entry {seq} yet: sign one with 'edc ledger checkpoint'")
    tree = MerkleTree(ledger_service.leaf_hashes(session, upto=checkpoint.size))
    return {
        "format": "nk-edc-inclusion-proof/1",
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": checkpoint.size,
        "root": checkpoint.root_hash.hex(),
        "body": b64(bytes(row.body)),
        "proof": [node.hex() for node in tree.inclusion_proof(seq - 1, checkpoint.size)],
        "checkpoint": checkpoint.note,
    }


def check_inclusion_proof(proof: dict[str, Any], public_key: bytes | None) -> None:
    """Verify a proof document offline.

    :raises ProofError: when the entry is not in the tree the checkpoint describes.
    """
    note = proof["checkpoint"]
    checkpoint = parse_checkpoint(note, [public_key]) if public_key else parse_checkpoint_unverified(note)
    if checkpoint.size != proof["tree_size"] or checkpoint.root.hex() != proof["root"]:
        raise ProofError("the proof's tree size or root differs from its checkpoint")
    if proof["leaf_index"] != proof["seq"] - 1:
        raise ProofError("the leaf index does not match the sequence number")
    verify_inclusion(
        leaf_hash(unb64(proof["body"])), proof["leaf_index"], proof["tree_size"],
        [bytes.fromhex(node) for node in proof["proof"]], checkpoint.root,
    )


def precedence_findings(session: Session, batch: int = 5000) -> tuple[list[tuple[int, str]], int]:
    """``([(seq, message), ...], number of subjects seen)`` over the whole ledger."""
    rule = ConsentPrecedenceRule()
    findings: list[tuple[int, str]] = []
    subjects: set[str] = set()
    last = 0
    while True:
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.body).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for seq, body in rows:
            try:
                entry = Entry.from_bytes(bytes(body))
            except ValueError:
                continue  # an unreadable body is the verifier's finding, reported with its seq
            if entry.record.subject:
                subjects.add(entry.record.subject)
            problem = rule.observe(entry)
            if problem:
                findings.append((seq, problem))
        last = rows[-1][0]
    findings.extend(rule.finish())
    return sorted(findings), len(subjects)
