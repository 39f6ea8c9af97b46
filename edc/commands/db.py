"""``edc db upgrade``: apply the Alembic migrations to the configured database."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..migrate import upgrade


@click.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
@with_appcontext
def upgrade_command() -> None:
    """Apply every migration (the schema is only ever built this way)."""
    upgrade(current_app.config["EDC_DATABASE_URL"])
    click.echo("database is at the latest schema")


COMMANDS = (db_group,)
