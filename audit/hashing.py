"""SHA-256 with domain separation: RFC 6962/9162 leaf and node prefixes, and the entry-signature context.

A leaf hash can never equal a node hash for other input (different one-byte prefix), and an entry
signature is made over ``ENTRY_SIGNING_CONTEXT + body``, so it is never valid for a checkpoint note
(which starts with the log origin) or for any other message the ledger key signs.
"""
from __future__ import annotations

import hashlib

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
HASH_SIZE = 32
ENTRY_SIGNING_CONTEXT = b"nk-edc/ledger-entry/v1\n"
EMPTY_ROOT = hashlib.sha256(b"").digest()
GENESIS_PREV = "0" * 64

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(NODE_PREFIX + left + right).digest()


def signing_message(body: bytes) -> bytes:
    """The exact bytes an entry signature covers."""
    return ENTRY_SIGNING_CONTEXT + body
