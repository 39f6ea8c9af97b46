"""Helpers for the treatment and safety form tests: run one case through the public harness."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from forms.harness import run_case
from tests.support.shared import SHARED_PROTOCOL


@pytest.fixture(scope="session")
def shared_protocol() -> Path:
    """``../shared/protocol`` beside the repository (or ``EDC_SHARED_PROTOCOL``)."""
    return SHARED_PROTOCOL


def _outcome(result: dict[str, Any], check: str) -> str | None:
    """The severity with which ``check`` fired in a harness result, or ``None`` when it passed."""
    severities = {f["severity"] for f in result["findings"] if f["check"] == check}
    assert len(severities) <= 1
    return severities.pop() if severities else None


def _message(result: dict[str, Any], check: str) -> str:
    return next(f["message"] for f in result["findings"] if f["check"] == check)


@pytest.fixture
def outcome() -> Callable[[dict[str, Any], str], str | None]:
    return _outcome


@pytest.fixture
def message() -> Callable[[dict[str, Any], str], str]:
    return _message


@pytest.fixture
def run() -> Callable[..., dict[str, Any]]:
    """``run(form, base_data, base_context, data=..., context=...)``: merge overrides and evaluate."""

    def _run(form: str, base_data: dict[str, Any], base_context: dict[str, Any] | None = None,
             data: dict[str, Any] | None = None, context: dict[str, Any] | None = None) -> dict[str, Any]:
        merged_data = {**base_data, **(data or {})}
        merged_context = {**(base_context or {}), **(context or {})}
        return run_case(form, {"data": merged_data, "context": merged_context})

    return _run
