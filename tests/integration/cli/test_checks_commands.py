"""The public check harness (`edc checks run`) and the edit-check listing (`edc checks list`)."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from forms.core import describe_checks
from forms.registry import all_forms



def run(args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("edc")), *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env={"PATH": "/usr/bin:/bin", "EDC_ENV": "test"})


def test_the_harness_prints_the_contract_json_and_exits_zero_whatever_it_finds(tmp_path):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"data": {"CHEMO_NO": "1", "REGIMEN": "TVD", "CHEMO_STDT": "2025-02-05",
                                         "CHEMO_ENDT": "2025-02-01"}, "context": {"courses": []}}))
    result = run(["checks", "run", "chemotherapy", "--input", str(case)])
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert set(output) == {"form", "findings", "derived"} and output["form"] == "chemotherapy"
    [finding] = [f for f in output["findings"] if f["severity"] == "hard"]
    assert set(finding) == {"check", "severity", "fields", "message", "clause"}
    assert "CHEMO_ENDT" in finding["fields"]


def test_the_harness_reads_standard_input_and_derives_screening_values():
    case = {"data": {"BRTHDTC": "2015-06-01", "ICDTC": "2025-05-31"}, "context": {}}
    result = run(["checks", "run", "screening", "--input", "-"], stdin=json.dumps(case))
    derived = json.loads(result.stdout)["derived"]
    assert derived["AGE_Y"] == 9 and derived["eligible"] is False and "E1a" in derived["failed_criteria"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"context": {}}', '"data" object'),
        ('{"data": {"PLT": true}}', "must be a string"),
        ('{"data": {}, "context": []}', '"context" must be a JSON object'),
    ],
)
def test_malformed_input_exits_two_with_a_clear_message(tmp_path, content, message):
    case = tmp_path / "case.json"
    case.write_text(content)
    result = run(["checks", "run", "screening", "--input", str(case)])
    assert result.returncode == 2
    assert message in result.stderr and result.stdout == ""


def test_an_unknown_form_exits_two_and_lists_the_known_ones(tmp_path):
    case = tmp_path / "case.json"
    case.write_text('{"data": {}}')
    result = run(["checks", "run", "no_such_form", "--input", str(case)])
    assert result.returncode == 2 and "screening" in result.stderr


def test_the_check_listing_as_csv_has_one_row_per_declared_check_with_its_clause():
    result = run(["checks", "list", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(describe_checks(all_forms())) > 100
    assert all(row["clause"] and row["severity"] in ("hard", "soft") for row in rows)
    assert {"E1a", "E3"} <= {row["clause"] for row in rows if row["form"] == "screening"}


def test_the_markdown_listing_shows_every_assumption_parameter():
    from config.protocol import REGISTRY

    result = run(["checks", "list"])
    assert result.returncode == 0
    for parameter in REGISTRY.all():
        if parameter.assumption:
            assert f"| {parameter.key} |" in result.stdout
    assert "ASSUMPTION" in result.stdout


def test_the_ledger_key_is_created_before_production_settings_can_pass(tmp_path):
    key = tmp_path / "keys" / "ledger-key.pem"
    env = {"PATH": "/usr/bin:/bin", "EDC_ENV": "production", "EDC_LEDGER_KEY_FILE": str(key),
           "EDC_INSTANCE_PATH": str(tmp_path / "instance")}
    edc = str(Path(sys.executable).with_name("edc"))
    created = subprocess.run([edc, "ledger", "init-key"], capture_output=True, text=True, timeout=60, env=env)
    assert created.returncode == 0, created.stderr
    assert key.stat().st_mode & 0o777 == 0o600
    refused = subprocess.run([edc, "db", "upgrade"], capture_output=True, text=True, timeout=60, env=env)
    assert refused.returncode == 2
    assert "configuration refused: EDC_SECRET_KEY" in refused.stderr and "Traceback" not in refused.stderr
