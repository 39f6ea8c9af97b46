"""Every threshold, window and version the protocol sets, each declared once with its clause.

Parameters are grouped by area in the modules of this package.  Each module exposes a
``PARAMETERS`` tuple; :data:`REGISTRY` gathers them.  A study may override a value (an ASSUMPTION
the sponsor later settles differently) through a JSON file named by ``EDC_PROTOCOL_OVERRIDES``:
``{"key": value}``.  Overrides are applied once at import and are listed by ``edc checks list``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Parameter:
    """One protocol parameter: ``key`` is the spec's ``CFG.*`` name without the prefix."""

    key: str
    value: Any
    unit: str
    clause: str
    basis: str
    assumption: bool = False
    overridden: bool = False


class UnknownParameter(KeyError):
    pass


class Parameters:
    """A read-only mapping of parameter key to :class:`Parameter`."""

    def __init__(self, parameters: dict[str, Parameter]):
        self._by_key = dict(parameters)

    def __getitem__(self, key: str) -> Any:
        try:
            return self._by_key[key].value
        except KeyError:
            raise UnknownParameter(key) from None

    def describe(self, key: str) -> Parameter:
        return self._by_key[key]

    def all(self) -> list[Parameter]:
        return sorted(self._by_key.values(), key=lambda p: p.key)

    def with_overrides(self, overrides: dict[str, Any]) -> "Parameters":
        """Return a copy with ``overrides`` applied; unknown keys are refused."""
        merged = dict(self._by_key)
        for key, value in overrides.items():
            if key not in merged:
                raise UnknownParameter(key)
            merged[key] = replace(merged[key], value=value, overridden=True)
        return Parameters(merged)


def _collect() -> dict[str, Parameter]:
    from . import consent, eligibility, response, safety, treatment

    collected: dict[str, Parameter] = {}
    for module in (eligibility, consent, treatment, safety, response):
        for parameter in module.PARAMETERS:
            if parameter.key in collected:
                raise RuntimeError(f"protocol parameter {parameter.key} declared twice")
            collected[parameter.key] = parameter
    return collected


def _load() -> Parameters:
    base = Parameters(_collect())
    path = os.environ.get("EDC_PROTOCOL_OVERRIDES")
    if not path:
        return base
    with open(path, encoding="utf-8") as handle:
        return base.with_overrides(json.load(handle))


REGISTRY: Parameters = _load()
