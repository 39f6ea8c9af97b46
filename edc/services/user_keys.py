"""Per-user Ed25519 signing keys for e-signatures (21 CFR 11.70, 11.200).

The private key is stored only encrypted under the user's password, so nobody - administrator and
operator included - can sign in the user's name without the password.  The wrapping key is derived
with scrypt (memory-hard, so a stolen key blob is no cheaper to attack than the argon2 password
hash) and seals the raw key with AES-256-GCM; both come from ``cryptography``.  A password change
re-wraps the same key; an administrator's password reset cannot (it does not know the old
password), so it issues a new key and the ledger records the new public key.
"""
from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

WRAP_FORMAT = "nk-edc/user-key/scrypt-aes256gcm/v1"


def _scrypt_cost() -> int:
    """scrypt N: 2^15 (32 MiB, tens of ms) in service; the test environment uses a cheap cost so
    that the suite, which creates hundreds of users, stays fast."""
    return 2**10 if os.environ.get("EDC_ENV") == "test" else 2**15


class SigningKeyLocked(ValueError):
    """The password does not unlock the stored key (wrong password, or a key issued before a reset)."""


@dataclass(frozen=True)
class IssuedKey:
    public_bytes: bytes
    wrapped_key: bytes


def issue_key(password: str) -> IssuedKey:
    """A fresh key pair, the private half encrypted under ``password``."""
    private = Ed25519PrivateKey.generate()
    return IssuedKey(public_bytes=_public_bytes(private), wrapped_key=_wrap(private, password))


def unlock_key(wrapped_key: bytes | None, password: str) -> Ed25519PrivateKey:
    """:raises SigningKeyLocked: when ``password`` does not decrypt the key."""
    if not wrapped_key:
        raise SigningKeyLocked("no signing key has been issued for this account")
    try:
        wrapped = json.loads(bytes(wrapped_key))
        if wrapped.get("format") != WRAP_FORMAT:
            raise ValueError(wrapped.get("format"))
        salt, nonce, sealed = (base64.b64decode(wrapped[k]) for k in ("salt", "nonce", "ct"))
        wrapping_key = Scrypt(salt=salt, length=32, n=int(wrapped["n"]), r=8, p=1).derive(password.encode())
        raw = AESGCM(wrapping_key).decrypt(nonce, sealed, WRAP_FORMAT.encode())
    except InvalidTag:
        raise SigningKeyLocked("the password does not unlock the signing key") from None
    except (ValueError, KeyError, TypeError):
        raise SigningKeyLocked("the stored signing key is not in a readable format") from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def rewrap_key(wrapped_key: bytes | None, old_password: str, new_password: str) -> bytes:
    """The same key encrypted under ``new_password``.

    :raises SigningKeyLocked: when ``old_password`` does not unlock it.
    """
    return _wrap(unlock_key(wrapped_key, old_password), new_password)


def sign_with_password(user, password: str, message: bytes) -> bytes:
    """:raises SigningKeyLocked: when ``password`` does not unlock ``user``'s key."""
    return unlock_key(user.signing_private_key_enc, password).sign(message)


def verify_user_signature(public_bytes: bytes | None, signature: bytes, message: bytes) -> bool:
    if not public_bytes:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_bytes)).verify(bytes(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def _public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _wrap(private: Ed25519PrivateKey, password: str) -> bytes:
    salt, nonce, cost = os.urandom(16), os.urandom(12), _scrypt_cost()
    wrapping_key = Scrypt(salt=salt, length=32, n=cost, r=8, p=1).derive(password.encode())
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    sealed = AESGCM(wrapping_key).encrypt(nonce, raw, WRAP_FORMAT.encode())
    document = {"format": WRAP_FORMAT, "n": cost, "salt": salt, "nonce": nonce, "ct": sealed}
    return json.dumps({k: base64.b64encode(v).decode() if isinstance(v, bytes) else v for k, v in document.items()},
                      sort_keys=True).encode()
