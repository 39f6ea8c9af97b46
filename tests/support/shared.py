"""Where the protocol material lives: ``shared/protocol`` beside the repository (as in CI), or
``EDC_SHARED_PROTOCOL``."""
from __future__ import annotations

import os
from pathlib import Path

SHARED_PROTOCOL = Path(os.environ.get("EDC_SHARED_PROTOCOL") or Path(__file__).resolve().parents[2].parent / "shared" / "protocol")
CTCAE_JSON = SHARED_PROTOCOL / "ctcae-v5.0.json"
