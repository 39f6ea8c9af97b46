"""Proofs an auditor takes away: inclusion of a record's entries, and consistency of the current
ledger with a checkpoint kept from earlier.

Inclusion proofs are the documents of :func:`edc.services.ledger_audit.inclusion_proof` (checked by
``edc ledger verify-proof``), made against the latest checkpoint - signed now if the latest one
does not cover the head yet.  Consistency is computed over leaf hashes recomputed from the stored
bytes (not the stored hash column), so an entry rewritten in place shows as a rewritten history.
"""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.checkpoint import CheckpointError, parse_checkpoint, parse_checkpoint_unverified
from audit.hashing import leaf_hash
from audit.merkle import MerkleTree, ProofError, verify_consistency

from ..models import LedgerEntry
from ..services import ledger as ledger_service
from ..services import ledger_audit
from ..services.exports.record import checkpoint_covering_head

PROOF_README = """Inclusion proofs of the ledger entries of {what}, against the signed checkpoint of size {size}.

Check each one offline (no database needed):

    edc ledger verify-proof proof-<seq>.json --public-key <ledger public key, base64>

The public key is on the auditor's Ledger page (key history) and in keys.json of the offline bundle.
"""


def entries_of(session: Session, subject: str | None = None, instance: str | None = None) -> list[int]:
    query = select(LedgerEntry.seq).order_by(LedgerEntry.seq)
    if subject:
        query = query.where(LedgerEntry.subject == subject)
    if instance:
        query = query.where(LedgerEntry.instance == instance)
    return list(session.execute(query).scalars())


def proof_documents(session: Session, ledger: ledger_service.LedgerConfig, seqs: list[int]) -> list[dict]:
    """One inclusion-proof document per entry, all against one checkpoint covering the head.

    :raises LookupError: when an entry does not exist.
    """
    checkpoint_covering_head(session, ledger)
    return [ledger_audit.inclusion_proof(session, seq) for seq in seqs]


def proofs_zip(documents: list[dict], what: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", PROOF_README.format(what=what, size=documents[0]["tree_size"]))
        for document in documents:
            archive.writestr(f"proof-{document['seq']}.json", json.dumps(document, indent=2) + "\n")
    return buffer.getvalue()


@dataclass
class Consistency:
    ok: bool
    verdict: str
    kept_size: int | None = None
    kept_root: str | None = None
    kept_time: str | None = None
    current_size: int | None = None
    current_root: str | None = None
    proof: list[str] = field(default_factory=list)


def check_kept_checkpoint(session: Session, note: str, origin: str) -> Consistency:
    """Does the ledger as stored now extend the checkpoint the auditor kept?"""
    note = note.replace("\r\n", "\n")
    if note and not note.endswith("\n"):
        note += "\n"
    try:
        claimed = parse_checkpoint_unverified(note)
    except CheckpointError as error:
        return Consistency(False, f"This is not a checkpoint note: {error}.")
    facts = dict(kept_size=claimed.size, kept_root=claimed.root.hex(), kept_time=claimed.time)
    if claimed.origin != origin:
        return Consistency(False, f"The checkpoint is for the log {claimed.origin!r}, not this ledger ({origin!r}).", **facts)
    try:
        keys = ledger_service.public_keys(session)
    except ValueError as error:
        return Consistency(False, f"The ledger's key entries cannot be read ({error}): run a full verification.", **facts)
    try:
        kept = parse_checkpoint(note, keys)
    except CheckpointError as error:
        return Consistency(False, f"The checkpoint's signature is not valid under any key of this ledger ({error}): "
                                  "it was altered or forged, or the ledger's keys were replaced.", **facts)
    tree = MerkleTree(leaf_hash(body) for _seq, body, _sig in ledger_service.iter_records(session))
    facts.update(current_size=tree.size, current_root=tree.root().hex())
    if kept.size > tree.size:
        return Consistency(False, f"The ledger now holds {tree.size} entries but the kept checkpoint covers {kept.size}: "
                                  f"entries {tree.size + 1}..{kept.size} were removed (truncated or rolled back).", **facts)
    proof = tree.consistency_proof(kept.size)
    try:
        verify_consistency(kept.size, tree.size, kept.root, tree.root(), proof)
    except ProofError as error:
        return Consistency(False, f"The history was rewritten: entries 1..{kept.size} no longer match the kept checkpoint "
                                  f"(the ledger was altered, reordered or forked after it was signed; {error}).", **facts)
    return Consistency(True, f"Consistent: the current ledger ({tree.size} entries) extends the kept checkpoint "
                             f"({kept.size} entries) without changing any of its entries.",
                       proof=[node.hex() for node in proof], **facts)
