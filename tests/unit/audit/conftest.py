"""Factory fixtures for the ledger tests; the helpers themselves live in ``audit_factories``."""
from __future__ import annotations

from typing import Callable

import pytest
from audit_factories import build_ledger

from audit.chain import InMemoryLedger


@pytest.fixture
def make_ledger() -> Callable[..., InMemoryLedger]:
    """``make_ledger(n, signer=..., rotate_at=..., new_signer=..., variant=..., diverge_at=...)``."""
    return build_ledger
