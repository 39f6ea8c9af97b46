"""The offline ledger bundle as one zip: the folder ``edc ledger export`` writes, verifiable with
``edc ledger verify-bundle`` on the auditor's own machine (docs/auditor-procedure.md)."""
from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy.orm import Session

from audit.bundle import MANIFEST_FILE, write_bundle

from .. import ledger as ledger_service
from .record import ProducedFile, checkpoint_covering_head, record_export, spool

BUNDLE_FOLDER = "ledger-bundle"


def produce_bundle_zip(session: Session, ledger: ledger_service.LedgerConfig, user) -> ProducedFile:
    """Sign a checkpoint over the head if needed, write the bundle, zip it and ledger the export.

    The export entry is appended after the bundle was written, so the bundle ends just before it.
    """
    checkpoint_covering_head(session, ledger)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / BUNDLE_FOLDER
        records = list(ledger_service.iter_records(session))
        notes = ledger_service.checkpoint_notes(session)
        write_bundle(folder, records, notes, ledger_service.public_keys(session), ledger.origin)
        manifest_sha = hashlib.sha256((folder / MANIFEST_FILE).read_bytes()).hexdigest()

        def write(handle) -> None:
            with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(folder.iterdir()):
                    archive.write(path, f"{BUNDLE_FOLDER}/{path.name}")

        produced = spool(write, f"nk-edc-ledger-bundle-{len(records)}.zip", "application/zip")
    record_export(session, ledger, user, "ledger_bundle", produced,
                  details={"entries": len(records), "checkpoints": len(notes), "manifest_sha256": manifest_sha})
    return produced
