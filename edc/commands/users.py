"""``edc users``: create, list, unlock, deactivate accounts and record training from the command line
(the operator's bootstrap: the first administrator needs training on record before their role works)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from ..db import get_session, transaction
from ..models import ROLES, Site, User
from ..services import accounts
from ..services.accounts import AccountError
from ..services.passwords import PasswordPolicy
from ..wiring import ledger_config


def _user_or_fail(username: str) -> User:
    user = accounts.find_user(get_session(), username)
    if user is None:
        raise click.ClickException(f"no user named {username}")
    return user


@click.group("users")
def users_group() -> None:
    """User accounts."""


@users_group.command("create")
@click.option("--username", required=True)
@click.option("--name", "printed_name", required=True, help="Full printed name (used in signature manifestations).")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--site", "site_code", default=None, help="Site code; required for investigators, coordinators, monitors.")
@click.option("--password-stdin", is_flag=True, help="Read the initial password from standard input instead of generating one.")
@with_appcontext
def create_command(username, printed_name, email, role, site_code, password_stdin) -> None:
    """Create an account; prints the temporary password once (it must be changed at first login)."""
    db = get_session()
    site = None
    if site_code:
        site = db.execute(select(Site).where(Site.code == site_code.strip().upper())).scalar_one_or_none()
        if site is None:
            raise click.ClickException(f"no site with code {site_code}")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    try:
        with transaction(db):
            user, initial = accounts.create_user(
                db, ledger_config(), None, username=username, printed_name=printed_name, email=email, role=role,
                site=site, password=password, password_policy=PasswordPolicy.from_config(current_app.config),
            )
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created user {user.username} ({user.printed_name}) as {role}{' at ' + site.code if site else ''}")
    if not password_stdin:
        click.echo(f"temporary password (shown once, must be changed at first login): {initial}")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every account (none is ever deleted) with roles and status."""
    rows = get_session().execute(select(User).order_by(User.username)).scalars().all()
    table = [("USERNAME", "NAME", "ROLES", "STATUS", "TOTP", "TRAINED", "ATTESTED")]
    for user in rows:
        roles = ",".join(f"{g.role}@{g.site.code}" if g.site else g.role for g in user.roles if g.active) or "-"
        status = "deactivated" if not user.active else "locked" if user.locked else "active"
        table.append((user.username, user.printed_name, roles, status, "yes" if user.totp_confirmed else "no",
                      "yes" if user.trainings else "no", "yes" if user.attestation_accepted_at else "no"))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


@users_group.command("unlock")
@click.argument("username")
@with_appcontext
def unlock_command(username: str) -> None:
    """Unlock an account locked after repeated failed logins."""
    db = get_session()
    user = _user_or_fail(username)
    try:
        with transaction(db):
            accounts.unlock_user(db, ledger_config(), None, user)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"unlocked {user.username}")


@users_group.command("deactivate")
@click.argument("username")
@click.option("--reason", default=None)
@with_appcontext
def deactivate_command(username: str, reason: str | None) -> None:
    """Deactivate an account (it is never deleted; its username is never reused)."""
    db = get_session()
    user = _user_or_fail(username)
    try:
        with transaction(db):
            accounts.deactivate_user(db, ledger_config(), None, user, reason=reason)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"deactivated {user.username}")


@users_group.command("record-training")
@click.argument("username")
@click.option("--course", required=True)
@click.option("--completed-on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@with_appcontext
def record_training_command(username: str, course: str, completed_on) -> None:
    """Record a user's protocol and system training (needed before any role is usable)."""
    db = get_session()
    user = _user_or_fail(username)
    try:
        with transaction(db):
            accounts.record_training(db, ledger_config(), None, user, course=course, completed_on=completed_on.date())
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"recorded training '{course}' ({completed_on.date().isoformat()}) for {user.username}")


COMMANDS = (users_group,)
