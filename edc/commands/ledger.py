"""``edc ledger ...``: key set-up and rotation, verification, checkpoints, proofs, bundles, replay."""
from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from audit.bundle import verify_bundle
from audit.keys import KeyFileError, generate_key_file, load_signer
from audit.merkle import ProofError

from config.settings import ledger_key_path

from ..db import get_session, transaction
from ..services import ledger as ledger_service
from ..services import ledger_audit
from ..wiring import ledger_config


@click.group("ledger")
def ledger_group() -> None:
    """The append-only audit ledger."""


@ledger_group.command("init-key")
@click.option("--key-file", type=click.Path(path_type=Path), help="Where to create the key (default: EDC_LEDGER_KEY_FILE).")
def init_key(key_file: Path | None) -> None:
    """Create the ledger's Ed25519 key file (mode 0600) if it does not exist yet (needs no database)."""
    path = key_file or ledger_key_path()
    if path.exists():
        click.echo(f"ledger key already present at {path}")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_key_file(path)
    click.echo(f"created ledger key {load_signer(path).key_id} at {path} (mode 0600); back it up offline")


@ledger_group.command("rotate-key")
@click.option("--new-key-file", type=click.Path(path_type=Path), required=True, help="A new key made with 'edc ledger init-key --key-file'.")
@click.option("--reason", required=True)
@with_appcontext
def rotate_key(new_key_file: Path, reason: str) -> None:
    """Introduce a new ledger key by an entry signed with the current one, then switch to it."""
    try:
        new_signer = load_signer(new_key_file)
    except KeyFileError as error:
        _fail(str(error))
    session = get_session()
    config = ledger_config()
    with transaction(session):
        row = ledger_service.rotate_key(session, config, new_signer, ledger_service.SYSTEM_ACTOR, reason)
    click.echo(f"entry {row.seq} introduces key {new_signer.key_id}.")
    click.echo(f"Now replace {config.key_file} with {new_key_file} (keep the old key offline) and restart the app.")


@ledger_group.command("verify")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option("--trusted-key", "trusted_keys", multiple=True, help="Base64 public key the genesis must use (repeatable).")
@click.option("--trusted-checkpoint", type=click.File("r", encoding="utf-8"), help="A checkpoint kept from earlier.")
@with_appcontext
def verify(workers: int, trusted_keys: tuple[str, ...], trusted_checkpoint) -> None:
    """Verify every entry, link, signature, checkpoint, the key history and consent precedence."""
    session = get_session()
    total = ledger_audit.entry_count(session)
    with click.progressbar(length=total, label="verifying", file=sys.stderr, show_pos=True) as bar:
        state = {"done": 0}

        def progress(done: int) -> None:
            bar.update(done - state["done"])
            state["done"] = done

        report = ledger_audit.verify_database(
            session, workers=workers, trusted_keys=[base64.b64decode(k) for k in trusted_keys] or None,
            trusted_checkpoint=trusted_checkpoint.read() if trusted_checkpoint else None, progress=progress,
        )
    for line in report.summary():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


@ledger_group.command("checkpoint")
@click.option("--new/--latest", "make_new", default=True, show_default=True, help="Sign a new checkpoint, or print the latest one.")
@with_appcontext
def checkpoint(make_new: bool) -> None:
    """Print a signed checkpoint (C2SP tlog-checkpoint) for the auditor to keep."""
    session = get_session()
    if make_new:
        with transaction(session):
            row = ledger_service.make_checkpoint(session, ledger_config())
    else:
        row = ledger_service.latest_checkpoint(session)
        if row is None:
            _fail("no checkpoint yet: run 'edc ledger checkpoint --new'")
    click.echo(row.note, nl=False)


@ledger_group.command("export")
@click.argument("path", type=click.Path(path_type=Path))
@with_appcontext
def export(path: Path) -> None:
    """Write the offline bundle (entries, checkpoints, keys, manifest) to the folder PATH."""
    session = get_session()
    with transaction(session):
        summary = ledger_audit.export_bundle(session, ledger_config(), path, exported_by=None)
    click.echo(f"wrote {summary['entries']} entries and {summary['checkpoints']} checkpoints to {path}")
    click.echo("verify it anywhere with: edc ledger verify-bundle " + str(path))


@ledger_group.command("verify-bundle")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--trusted-checkpoint", type=click.File("r", encoding="utf-8"))
@click.option("--trusted-key", "trusted_keys", multiple=True, help="Base64 public key the genesis must use.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def verify_bundle_command(path: Path, trusted_checkpoint, trusted_keys: tuple[str, ...], workers: int) -> None:
    """Verify an exported bundle offline: needs only the audit package and cryptography."""
    report = verify_bundle(
        path, trusted_checkpoint=trusted_checkpoint.read() if trusted_checkpoint else None,
        trusted_keys=[base64.b64decode(k) for k in trusted_keys] or None, workers=workers,
    )
    for line in report.summary():
        click.echo(line)
    sys.exit(0 if report.ok else 1)


@ledger_group.command("prove")
@click.argument("seq", type=int)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-")
@with_appcontext
def prove(seq: int, output) -> None:
    """Write an inclusion proof of entry SEQ against the latest checkpoint (JSON)."""
    session = get_session()
    try:
        proof = ledger_audit.inclusion_proof(session, seq)
    except LookupError as error:
        _fail(str(error))
    json.dump(proof, output, indent=2)
    output.write("\n")


@ledger_group.command("verify-proof")
@click.argument("proof_file", type=click.File("r", encoding="utf-8"))
@click.option("--public-key", help="Base64 ledger public key to check the checkpoint's signature with.")
def verify_proof(proof_file, public_key: str | None) -> None:
    """Check an inclusion proof offline: the entry's bytes are in the tree the checkpoint signs."""
    try:
        proof = json.load(proof_file)
        ledger_audit.check_inclusion_proof(proof, base64.b64decode(public_key) if public_key else None)
    except (ProofError, ValueError, KeyError) as error:
        click.echo(f"proof INVALID: {error}")
        sys.exit(1)
    click.echo(f"proof valid: entry {proof['seq']} is included in the ledger of size {proof['tree_size']} "
               f"with root {proof['root']}")


@ledger_group.command("replay")
@click.option("--check", is_flag=True, required=True, help="Compare the tables with the values rebuilt from the ledger.")
@with_appcontext
def replay(check: bool) -> None:
    """Rebuild every form's values from the ledger alone and report any difference from the tables."""
    from ..services.replay import compare_with_tables

    differences = compare_with_tables(get_session())
    for difference in differences:
        click.echo(difference)
    if differences:
        click.echo(f"{len(differences)} difference(s) between the tables and the ledger")
        sys.exit(1)
    click.echo("tables match the ledger")


def _fail(message: str):
    click.echo(f"edc ledger: {message}", err=True)
    sys.exit(2)


COMMANDS = (ledger_group,)
