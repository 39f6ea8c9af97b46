"""``edc dictionary import-ctcae FILE``: load a full CTCAE v5.0 dictionary (versioned, ledgered)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ..db import get_session, transaction
from ..services.dictionary import DictionaryImportFailed, import_ctcae
from ..wiring import ledger_config


@click.group("dictionary")
def dictionary_group() -> None:
    """Coding dictionaries."""


@dictionary_group.command("import-ctcae")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", default="CTCAE v5.0", show_default=True)
@with_appcontext
def import_command(path: Path, version: str) -> None:
    """Import FILE (JSON of the shared shape, or NCI's CSV export) as the active dictionary."""
    session = get_session()
    try:
        with transaction(session):
            row = import_ctcae(session, ledger_config(), None, path, version)
    except DictionaryImportFailed as error:
        click.echo(str(error), err=True)
        for issue in error.issues[:20]:
            click.echo(f"  {issue}", err=True)
        sys.exit(1)
    click.echo(f"imported {row.term_count} terms as dictionary {row.id} ({row.version}, sha256 {row.source_sha256[:16]}...)")


COMMANDS = (dictionary_group,)
