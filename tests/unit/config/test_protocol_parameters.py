"""Every protocol parameter is declared once, with its clause, and overridable only by key."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from config.protocol import REGISTRY, UnknownParameter


def test_every_parameter_names_the_clause_and_basis_it_comes_from():
    parameters = REGISTRY.all()
    assert parameters, "the registry is empty"
    for parameter in parameters:
        assert parameter.clause.strip(), parameter.key
        assert parameter.basis.strip(), parameter.key


def test_an_override_changes_one_value_and_is_marked():
    key = REGISTRY.all()[0].key
    changed = REGISTRY.with_overrides({key: "sentinel"})
    assert changed[key] == "sentinel" and changed.describe(key).overridden
    assert REGISTRY[key] != "sentinel"


def test_an_unknown_override_is_refused():
    with pytest.raises(UnknownParameter):
        REGISTRY.with_overrides({"no_such_parameter": 1})


def test_overrides_file_from_the_environment_is_applied_at_start(tmp_path):
    key = REGISTRY.all()[0].key
    path = tmp_path / "overrides.json"
    path.write_text(json.dumps({key: 12345}))
    code = f"from config.protocol import REGISTRY; print(REGISTRY[{key!r}], REGISTRY.describe({key!r}).overridden)"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "EDC_PROTOCOL_OVERRIDES": str(path)},
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == ["12345", "True"]
