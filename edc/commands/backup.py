"""``edc backup PATH``: a consistent copy of the SQLite database, taken with SQLite's online backup
API while the app keeps serving (writers wait only between backup steps).  PostgreSQL is backed up
with its own tools: the command prints the documented ``pg_dump`` procedure and exits with status 2.
"""
from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

PAGES_PER_STEP = 256
"""Pages copied per step; between steps the database is free for the app's writers."""

POSTGRES_PROCEDURE = """\
This database is PostgreSQL: back it up with PostgreSQL's tools (docs/operations.md, "Backups"):

  pg_dump --format=custom --no-owner --file=edc-$(date -u +%Y%m%dT%H%M%SZ).dump "{url}"

Restore into a fresh, empty database, then verify against a checkpoint kept before the backup:

  createdb edc_restored
  pg_restore --no-owner --exit-on-error --dbname=edc_restored edc-<time>.dump
  EDC_DATABASE_URL=postgresql+psycopg://.../edc_restored edc ledger verify --trusted-checkpoint checkpoint.txt
  EDC_DATABASE_URL=postgresql+psycopg://.../edc_restored edc ledger replay --check

Keep the ledger key file out of the dump: it is backed up offline, separately.
"""


def _fail(message: str, status: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def backup_sqlite(source: Path, target: Path) -> dict:
    """Copy ``source`` to ``target`` (mode 0600) and check the copy.

    :raises RuntimeError: when the copy fails SQLite's integrity check.
    """
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        reader.backup(copy, pages=PAGES_PER_STEP)
        integrity = copy.execute("PRAGMA integrity_check").fetchone()[0]
        head = copy.execute("SELECT MAX(seq) FROM ledger_entries").fetchone()[0]
    finally:
        copy.close()
        reader.close()
    if integrity != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the copy failed SQLite's integrity check: {integrity}")
    os.chmod(partial, 0o600)
    partial.rename(target)
    return {"bytes": target.stat().st_size, "ledger_head": head or 0}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH (never overwrites a file)."""
    url = make_url(current_app.config["EDC_DATABASE_URL"])
    if url.get_backend_name() != "sqlite":
        click.echo(POSTGRES_PROCEDURE.format(url=url.set(drivername="postgresql").render_as_string(hide_password=True)), err=True)
        sys.exit(2)
    source = Path(url.database or "")
    if not source.is_file():
        _fail(f"the database file {source} does not exist")
    if path.exists():
        _fail(f"{path} already exists: choose a new file name (backups are never overwritten)")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = backup_sqlite(source, path)
    except (sqlite3.Error, RuntimeError) as error:
        _fail(f"backup failed: {error}")
    click.echo(f"backed up {source} to {path} ({summary['bytes']} bytes, ledger head {summary['ledger_head']}, integrity ok)")
    click.echo("keep it with a checkpoint ('edc ledger checkpoint'); the ledger key file is backed up separately, offline")


COMMANDS = (backup,)
