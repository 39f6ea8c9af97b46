"""Tumour response: revised INRC 2017 rules (spec 4) and MIBG scores (spec 5), pure."""
from __future__ import annotations

from .derive import baseline_of, derive_response, nadir_of

__all__ = ["baseline_of", "derive_response", "nadir_of"]
