"""The ``edc`` operator command (a Flask CLI group).

Commands that need the database load the app lazily (``with_appcontext``); ``edc checks run`` and
``edc ledger verify-bundle`` work without one.
"""
from __future__ import annotations

from importlib import import_module

import click
from flask.cli import FlaskGroup

COMMAND_MODULES = (
    "edc.commands.db",
    "edc.commands.checks",
    "edc.commands.dictionary",
    "edc.commands.ledger",
    "edc.commands.demo",
    "edc.commands.users",
    "edc.commands.sites",
    "edc.commands.backup",
)


def _create_app():
    from config.settings import ConfigurationError

    from . import create_app

    try:
        return create_app()
    except ConfigurationError as error:
        raise click.UsageError(f"configuration refused: {error}") from None


class EdcGroup(FlaskGroup):
    """Lists only the ``edc`` commands, without building the app just to print help."""

    def list_commands(self, ctx):
        return click.Group.list_commands(self, ctx)

    def get_command(self, ctx, name):
        return click.Group.get_command(self, ctx, name)


@click.group(cls=EdcGroup, create_app=_create_app, add_default_commands=False, add_version_option=False,
             load_dotenv=False, set_debug_flag=False)
def main() -> None:
    """Operator commands for the NK-cell neuroblastoma EDC (NCT06674265)."""


for _name in COMMAND_MODULES:
    for _command in import_module(_name).COMMANDS:
        main.add_command(_command)
