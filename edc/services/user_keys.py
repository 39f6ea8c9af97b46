"""Per-user Ed25519 signing keys for e-signatures (21 CFR 11.70, 11.200).

The private key is stored only as PKCS#8 PEM encrypted under the user's password, so nobody -
administrator and operator included - can sign in the user's name without the password.  A
password change re-wraps the same key; an administrator's password reset cannot (it does not know
the old password), so it issues a new key and the ledger records the new public key.
"""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


class SigningKeyLocked(ValueError):
    """The password does not unlock the stored key (wrong password, or a key issued before a reset)."""


@dataclass(frozen=True)
class IssuedKey:
    public_bytes: bytes
    encrypted_pem: bytes


def issue_key(password: str) -> IssuedKey:
    """A fresh key pair, the private half encrypted under ``password``."""
    private = Ed25519PrivateKey.generate()
    return IssuedKey(public_bytes=_public_bytes(private), encrypted_pem=_wrap(private, password))


def unlock_key(encrypted_pem: bytes | None, password: str) -> Ed25519PrivateKey:
    """:raises SigningKeyLocked: when ``password`` does not decrypt the key."""
    if not encrypted_pem:
        raise SigningKeyLocked("no signing key has been issued for this account")
    try:
        key = serialization.load_pem_private_key(bytes(encrypted_pem), password=password.encode())
    except (ValueError, TypeError):
        raise SigningKeyLocked("the password does not unlock the signing key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyLocked("the stored signing key is not an Ed25519 key")
    return key


def rewrap_key(encrypted_pem: bytes | None, old_password: str, new_password: str) -> bytes:
    """The same key encrypted under ``new_password``.

    :raises SigningKeyLocked: when ``old_password`` does not unlock it.
    """
    return _wrap(unlock_key(encrypted_pem, old_password), new_password)


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
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(password.encode()),
    )
