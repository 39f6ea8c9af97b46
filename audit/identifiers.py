"""Direct identifiers (names, dates of birth, guardian names, signature images) never enter the ledger in clear.

A value is sealed under its subject's 32-byte key, held outside the ledger (``kref`` says which):

* ``ct``: AES-256-GCM ciphertext; the ``aad`` binds it to its place (e.g. subject and field), so a
  sealed value cannot be moved to another field or subject unnoticed;
* ``h``: HMAC-SHA256 of the value under a key derived from the subject key, so equal values of one
  subject compare equal (a correction back to an earlier value is visible) without decrypting.

Both keys are derived from the subject key with HKDF, so destroying the subject key (erasure where
law demands it) makes ``ct`` unreadable and ``h`` unlinkable, while the ledger bytes, and therefore
the hash chain and every signature, stay exactly as they were.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .keys import b64, unb64

SUBJECT_KEY_SIZE = 32
NONCE_SIZE = 12
ALGORITHM = "A256GCM"
_SEALED_KEYS = frozenset({"enc", "kref", "nonce", "ct", "h"})
_ENCRYPTION_INFO = b"nk-edc/identifier/encryption/v1"
_HASH_INFO = b"nk-edc/identifier/hash/v1"


class IdentifierError(ValueError):
    """A sealed identifier is malformed or cannot be opened with the given key and context."""


def new_subject_key() -> bytes:
    """A fresh random 32-byte subject key."""
    return os.urandom(SUBJECT_KEY_SIZE)


def _derive(key: bytes, info: bytes) -> bytes:
    if not isinstance(key, (bytes, bytearray)) or len(key) != SUBJECT_KEY_SIZE:
        raise IdentifierError(f"subject key must be {SUBJECT_KEY_SIZE} bytes")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(bytes(key))


def identifier_hash(value: str, key: bytes) -> str:
    """Keyed hash of an (NFC-normalised) identifier; equal within one subject key, opaque without it."""
    normalized = unicodedata.normalize("NFC", value)
    return hmac.new(_derive(key, _HASH_INFO), normalized.encode("utf-8"), hashlib.sha256).hexdigest()


def seal_identifier(value: str, key: bytes, key_ref: str, aad: str) -> dict[str, str]:
    """Encrypt ``value`` for the ledger.

    :raises IdentifierError: when the value is not a string or the key has the wrong size.
    """
    if not isinstance(value, str):
        raise IdentifierError("only text identifiers can be sealed (encode images as base64 first)")
    normalized = unicodedata.normalize("NFC", value)
    nonce = os.urandom(NONCE_SIZE)
    ciphertext = AESGCM(_derive(key, _ENCRYPTION_INFO)).encrypt(
        nonce, normalized.encode("utf-8"), aad.encode("utf-8")
    )
    return {
        "enc": ALGORITHM,
        "kref": key_ref,
        "nonce": b64(nonce),
        "ct": b64(ciphertext),
        "h": identifier_hash(normalized, key),
    }


def is_sealed(obj: Any) -> bool:
    """True when ``obj`` has the shape of a sealed identifier."""
    return (
        isinstance(obj, dict)
        and obj.keys() == _SEALED_KEYS
        and obj["enc"] == ALGORITHM
        and all(isinstance(obj[name], str) for name in _SEALED_KEYS)
    )


def open_identifier(sealed: dict[str, Any], key: bytes, aad: str) -> str:
    """Decrypt a sealed identifier.

    :raises IdentifierError: when malformed, or when the key, the context or the ciphertext is wrong.
    """
    if not is_sealed(sealed):
        raise IdentifierError("not a sealed identifier")
    try:
        nonce = unb64(sealed["nonce"])
        ciphertext = unb64(sealed["ct"])
    except ValueError as exc:
        raise IdentifierError(f"sealed identifier: {exc}") from None
    if len(nonce) != NONCE_SIZE:
        raise IdentifierError("sealed identifier has a nonce of the wrong size")
    try:
        plaintext = AESGCM(_derive(key, _ENCRYPTION_INFO)).decrypt(nonce, ciphertext, aad.encode("utf-8"))
    except InvalidTag:
        raise IdentifierError(
            "cannot open identifier: wrong subject key, wrong context (aad) or altered ciphertext"
        ) from None
    value = plaintext.decode("utf-8")
    if not hmac.compare_digest(identifier_hash(value, key), sealed["h"]):
        raise IdentifierError("identifier hash does not match the decrypted value")
    return value
