"""``edc checks list`` (the edit-check specification) and ``edc checks run`` (the UAT harness)."""
from __future__ import annotations

import csv
import io
import json
import sys

import click

from config.protocol import REGISTRY
from forms.core import describe_checks
from forms.harness import MalformedCase, run_case
from forms.registry import UnknownForm, all_forms


@click.group("checks")
def checks_group() -> None:
    """Edit checks: the specification and the UAT harness."""


@checks_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["md", "csv"]), default="md", show_default=True)
def list_checks(fmt: str) -> None:
    """Print every edit check (id, form, rule, severity, message, clause) and the protocol parameters."""
    rows = describe_checks(all_forms())
    columns = ["id", "form", "version", "fields", "rule", "severity", "message", "clause"]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    click.echo("# Edit-check specification\n")
    click.echo("| " + " | ".join(columns) + " |")
    click.echo("|" + "---|" * len(columns))
    for row in rows:
        click.echo("| " + " | ".join(_md(row[c]) for c in columns) + " |")
    click.echo("\n# Protocol parameters (ASSUMPTION = reading to confirm with the sponsor)\n")
    click.echo("| parameter | value | unit | clause | basis | assumption | overridden |")
    click.echo("|---|---|---|---|---|---|---|")
    for p in REGISTRY.all():
        click.echo(f"| {p.key} | {_md(json.dumps(p.value, default=str))} | {_md(p.unit)} | {_md(p.clause)} | {_md(p.basis)} | "
                   f"{'ASSUMPTION' if p.assumption else ''} | {'yes' if p.overridden else ''} |")


def _md(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


@checks_group.command("run")
@click.argument("form")
@click.option("--input", "input_file", type=click.File("r", encoding="utf-8"), required=True,
              help='JSON case: {"data": {field: "value"|null}, "context": {...}}; "-" reads standard input.')
def run_checks(form: str, input_file) -> None:
    """Evaluate one case without saving anything and print the findings and derived values as JSON."""
    try:
        case = json.load(input_file)
    except json.JSONDecodeError as error:
        _fail(f"the input is not valid JSON: {error}")
    try:
        result = run_case(form, case)
    except UnknownForm:
        known = ", ".join(sorted(f.key for f in all_forms()))
        _fail(f"unknown form {form!r}; known forms: {known}")
    except MalformedCase as error:
        _fail(str(error))
    click.echo(json.dumps(result, ensure_ascii=False, indent=2))


def _fail(message: str):
    click.echo(f"edc checks run: {message}", err=True)
    sys.exit(2)


COMMANDS = (checks_group,)
