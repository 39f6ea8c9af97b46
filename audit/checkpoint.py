"""Signed checkpoints in the C2SP formats, so that standard transparency-log tooling reads them.

A checkpoint (https://c2sp.org/tlog-checkpoint) is a signed note (https://c2sp.org/signed-note)::

    <origin>
    <tree size>
    <base64 root hash>
    time <RFC 3339 UTC>

    — <origin> <base64(4-byte key hash || 64-byte Ed25519 signature)>

The key name is the origin; the key hash is SHA-256(name || "\\n" || 0x01 || public key)[:4], the
signed-note identifier of an Ed25519 key.  The signature covers the note text (the four lines).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .entry import parse_ts
from .hashing import ENTRY_SIGNING_CONTEXT, HASH_SIZE
from .keys import (
    PUBLIC_KEY_SIZE,
    SIGNATURE_SIZE,
    LedgerSigner,
    b64,
    key_id_for,
    unb64,
    verify_signature,
)

SIGNATURE_PREFIX = "\u2014 "
ED25519_ALGORITHM = b"\x01"
_SIZE = re.compile(r"0|[1-9][0-9]*")
_MAX_SIGNATURES = 100


class CheckpointError(ValueError):
    """A checkpoint note is malformed or carries no valid signature by a known key."""


def note_key_hash(name: str, public_bytes: bytes) -> bytes:
    """Signed-note key hash of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ED25519_ALGORITHM + public_bytes).digest()[:4]


def vkey_string(origin: str, public_bytes: bytes) -> str:
    """The standard verifier key ``<name>+<hex key hash>+<base64(0x01 || public key)>``."""
    _check_origin(origin)
    return f"{origin}+{note_key_hash(origin, public_bytes).hex()}+{b64(ED25519_ALGORITHM + public_bytes)}"


def parse_vkey(vkey: str) -> tuple[str, bytes]:
    """Inverse of :func:`vkey_string`: ``(name, raw public key)``.

    :raises CheckpointError: when the key is malformed, not Ed25519, or its hash does not match.
    """
    parts = vkey.strip().split("+")
    if len(parts) != 3:
        raise CheckpointError("verifier key must have the form <name>+<hash>+<key>")
    name, hash_hex, key_b64 = parts
    try:
        key = unb64(key_b64)
        expected_hash = bytes.fromhex(hash_hex)
    except ValueError as exc:
        raise CheckpointError(f"verifier key: {exc}") from None
    if len(key) != 1 + PUBLIC_KEY_SIZE or key[:1] != ED25519_ALGORITHM:
        raise CheckpointError("verifier key is not an Ed25519 key")
    public = key[1:]
    if len(expected_hash) != 4 or note_key_hash(name, public) != expected_hash:
        raise CheckpointError("verifier key hash does not match its name and key")
    return name, public


def _check_origin(origin: str) -> None:
    if not isinstance(origin, str) or not origin:
        raise CheckpointError("checkpoint origin must be a non-empty string")
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "+" for ch in origin):
        raise CheckpointError(f"checkpoint origin {origin!r} must contain no spaces, control characters or '+'")
    if origin.encode("utf-8") + b"\n" == ENTRY_SIGNING_CONTEXT:
        raise CheckpointError("checkpoint origin must not imitate the entry signing context")


@dataclass(frozen=True)
class Checkpoint:
    """Tree ``size`` and ``root`` of log ``origin`` at ``time``; ``signed_by`` is set by parsing."""

    origin: str
    size: int
    root: bytes
    time: str
    signed_by: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _check_origin(self.origin)
        if type(self.size) is not int or self.size < 0:
            raise CheckpointError(f"checkpoint size must be a non-negative integer, got {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root must be {HASH_SIZE} bytes")
        try:
            parse_ts(self.time)
        except ValueError as exc:
            raise CheckpointError(f"checkpoint time: {exc}") from None

    def body(self) -> str:
        """The note text that the signature covers."""
        return f"{self.origin}\n{self.size}\n{b64(self.root)}\ntime {self.time}\n"

    def to_note(self, signer: LedgerSigner) -> str:
        """The signed note, key name = origin."""
        return sign_note(self.body(), self.origin, signer)


def sign_note(text: str, key_name: str, signer: LedgerSigner) -> str:
    """A C2SP signed note: ``text`` (ending in a newline), a blank line, one Ed25519 signature line."""
    if not text.endswith("\n"):
        raise CheckpointError("note text must end with a newline")
    signature = signer.sign(text.encode("utf-8"))
    blob = note_key_hash(key_name, signer.public_bytes) + signature
    return f"{text}\n{SIGNATURE_PREFIX}{key_name} {b64(blob)}\n"


def _public_keys(public_keys: Mapping[str, bytes] | Iterable[bytes]) -> list[bytes]:
    if isinstance(public_keys, Mapping):
        return [bytes(key) for key in public_keys.values()]
    return [bytes(key) for key in public_keys]


def parse_checkpoint_unverified(text: str) -> Checkpoint:
    """Parse the note text without checking any signature (for display and error messages).

    :raises CheckpointError: when the note or its body is malformed.
    """
    body, _ = _split_note(text)
    return _parse_body(body)


def _split_note(text: str) -> tuple[str, list[str]]:
    if not isinstance(text, str):
        raise CheckpointError("checkpoint note must be text")
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint note must end with a newline")
    if any(ord(ch) < 0x20 and ch != "\n" for ch in text):
        raise CheckpointError("checkpoint note contains control characters")
    cut = text.rfind("\n\n")
    if cut < 0:
        raise CheckpointError("checkpoint note has no blank line before its signatures")
    body, signature_block = text[: cut + 1], text[cut + 2 :]
    lines = signature_block.split("\n")[:-1]
    if not lines:
        raise CheckpointError("checkpoint note carries no signature")
    if len(lines) > _MAX_SIGNATURES:
        raise CheckpointError("checkpoint note carries too many signatures")
    return body, lines


def _parse_body(body: str) -> Checkpoint:
    lines = body.split("\n")[:-1]
    if len(lines) != 4:
        raise CheckpointError(
            f"checkpoint body must have 4 lines (origin, size, root, time), found {len(lines)}"
        )
    origin, size_text, root_text, time_line = lines
    if not _SIZE.fullmatch(size_text):
        raise CheckpointError(f"checkpoint size {size_text!r} is not a decimal number")
    try:
        root = unb64(root_text)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint root: {exc}") from None
    if not time_line.startswith("time "):
        raise CheckpointError("checkpoint's fourth line must be 'time <RFC 3339 UTC>'")
    return Checkpoint(origin, int(size_text), root, time_line[len("time "):])


def parse_checkpoint(text: str, public_keys: Mapping[str, bytes] | Iterable[bytes]) -> Checkpoint:
    """Parse a checkpoint note and verify that a key in ``public_keys`` signed it.

    Signatures by unknown keys are ignored, as the signed-note format requires.

    :raises CheckpointError: when malformed, or when no known key produced a valid signature.
    """
    body, signature_lines = _split_note(text)
    checkpoint = _parse_body(body)
    keys = _public_keys(public_keys)
    message = body.encode("utf-8")
    matched_key = False
    for line in signature_lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError(f"malformed signature line {line!r}")
        parts = line[len(SIGNATURE_PREFIX):].split(" ")
        if len(parts) != 2 or not parts[0]:
            raise CheckpointError(f"malformed signature line {line!r}")
        name, blob_text = parts
        try:
            blob = unb64(blob_text)
        except ValueError as exc:
            raise CheckpointError(f"signature line: {exc}") from None
        if len(blob) < 5:
            raise CheckpointError("signature line too short")
        if name != checkpoint.origin:
            continue
        for key in keys:
            if note_key_hash(name, key) != blob[:4]:
                continue
            matched_key = True
            if len(blob) == 4 + SIGNATURE_SIZE and verify_signature(key, blob[4:], message):
                return Checkpoint(
                    checkpoint.origin, checkpoint.size, checkpoint.root, checkpoint.time, signed_by=key_id_for(key)
                )
    if matched_key:
        raise CheckpointError("checkpoint signature does not verify (note altered or signature forged)")
    raise CheckpointError("checkpoint carries no signature by a known ledger key")
