"""``edc demo seed`` and ``edc demo totp``: a clearly marked demonstration study for newcomers.

The demo database is flagged (``study_settings.demo = yes``): every page then shows the DEMO banner,
and ``edc demo totp`` refuses to run on any other database.
"""
from __future__ import annotations

import secrets
import sys
from datetime import date

import click
import pyotp
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from ..db import get_session, transaction
from ..models import Site, StudySetting, User
from ..services import accounts
from ..services.consent import DocumentInput, register_document
from ..wiring import ledger_config

DEMO_SITES = (("RAH", "Rasoul Akram Hospital, Tehran (demo)"), ("MCH", "Mofid Children's Hospital, Tehran (demo)"))
DEMO_USERS = (
    ("admin", "Demo Administrator", "admin", None),
    ("investigator", "Dr Demo Investigator", "investigator", "RAH"),
    ("coordinator", "Demo Study Coordinator", "coordinator", "RAH"),
    ("monitor", "Demo Clinical Monitor", "monitor", "RAH"),
    ("datamanager", "Demo Data Manager", "data_manager", None),
    ("auditor", "Demo Auditor", "auditor", None),
    ("coordinator2", "Demo Coordinator (second site)", "coordinator", "MCH"),
)
DEMO_DOCUMENT = (
    "DEMO guardian permission form, version 1.0. Not a real consent document: for trying the system only."
).encode()
DEMO_ASSENT = "DEMO child assent form, version 1.0. Not a real assent document.".encode()


@click.group("demo")
def demo_group() -> None:
    """Demonstration study (never for patient data)."""


def _is_demo(session) -> bool:
    return session.execute(select(StudySetting.value).where(StudySetting.key == "demo")).scalar_one_or_none() == "yes"


@demo_group.command("seed")
@click.option("--if-new", is_flag=True, help="Do nothing (quietly) when the database already holds users.")
@with_appcontext
def seed(if_new: bool) -> None:
    """Create demo sites, one user per role, and demo consent documents; print credentials once."""
    session = get_session()
    if session.execute(select(func.count()).select_from(User)).scalar_one():
        if if_new:
            click.echo("database already set up; demo seed skipped")
            return
        click.echo("edc demo seed: the database already holds users; seed only a new database", err=True)
        sys.exit(2)
    config = ledger_config()
    credentials = []
    with transaction(session):
        session.add(StudySetting(key="demo", value="yes"))
        sites = {code: accounts.create_site(session, config, None, code=code, name=name, timezone_name="Asia/Tehran")
                 for code, name in DEMO_SITES}
        users = {}
        for username, name, role, site_code in DEMO_USERS:
            password = "Demo-" + secrets.token_urlsafe(9)
            user, _ = accounts.create_user(
                session, config, None, username=username, printed_name=name, email=f"{username}@demo.invalid",
                role=role, site=sites.get(site_code), password=password, must_change_password=False,
            )
            accounts.record_training(session, config, None, user, course="Demo: protocol NCT06674265 and EDC use",
                                     completed_on=date.today())
            accounts.accept_attestation(session, config, user)
            secret = accounts.start_totp_enrolment(session, config, user)
            accounts.confirm_totp_enrolment(session, config, user, pyotp.TOTP(secret).now(),
                                            lockout_threshold=current_app.config["EDC_LOCKOUT_THRESHOLD"])
            user.totp_last_step = None
            users[username] = user
            credentials.append((username, role, site_code or "all sites", password, secret))
        manager = users["datamanager"]
        for kind, content in (("guardian", DEMO_DOCUMENT), ("assent", DEMO_ASSENT)):
            register_document(session, config, manager, DocumentInput(
                kind=kind, version_label="1.0-DEMO", language="fa", ethics_reference="IR.ACECR.ROYAN.REC.1400.032",
                approval_date=date(2024, 1, 1), effective_date=date(2024, 1, 1), content=content,
                content_type="text/plain", filename=f"demo-{kind}.txt",
                optional_items=["Future use of samples"] if kind == "guardian" else [],
            ))
    click.echo("DEMO study created - not for patient data. Credentials (shown once):\n")
    click.echo(f"{'username':<14}{'role':<15}{'site':<11}{'password':<20}TOTP secret")
    for username, role, site, password, secret in credentials:
        click.echo(f"{username:<14}{role:<15}{site:<11}{password:<20}{secret}")
    click.echo("\nCurrent login code for a user: .venv/bin/edc demo totp USERNAME")


@demo_group.command("totp")
@click.argument("username")
@with_appcontext
def totp(username: str) -> None:
    """Print a demo user's current TOTP code (demo databases only)."""
    session = get_session()
    if not _is_demo(session):
        click.echo("edc demo totp: this is not a demo database; codes come from the user's authenticator", err=True)
        sys.exit(2)
    user = accounts.find_user(session, username)
    if user is None or not user.totp_secret:
        click.echo(f"edc demo totp: no enrolled demo user {username!r}", err=True)
        sys.exit(2)
    click.echo(pyotp.TOTP(user.totp_secret).now())


COMMANDS = (demo_group,)
