"""``edc sites``: create and list sites."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import get_session, transaction
from ..models import Site
from ..services import accounts
from ..services.accounts import AccountError
from ..wiring import ledger_config


@click.group("sites")
def sites_group() -> None:
    """Study sites."""


@sites_group.command("create")
@click.option("--code", required=True, help="Permanent site code, e.g. RAH.")
@click.option("--name", required=True)
@click.option("--timezone", "timezone_name", default=None, help="IANA time zone (default: EDC_SITE_TIMEZONE).")
@with_appcontext
def create_command(code: str, name: str, timezone_name: str | None) -> None:
    """Create a site."""
    db = get_session()
    try:
        with transaction(db):
            site = accounts.create_site(db, ledger_config(), None, code=code, name=name,
                                        timezone_name=timezone_name or current_app.config["EDC_SITE_TIMEZONE"])
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created site {site.code} ({site.name}, {site.timezone})")


@sites_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every site."""
    rows = get_session().execute(select(Site).order_by(Site.code)).scalars().all()
    table = [("CODE", "NAME", "TIMEZONE")] + [(s.code, s.name, s.timezone) for s in rows]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


COMMANDS = (sites_group,)
