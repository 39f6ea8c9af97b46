"""The ledger's Ed25519 signing key: kept in a 0600 PEM file outside the database, never in a table."""
from __future__ import annotations

import base64
import hashlib
import os
import stat
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64


class KeyFileError(Exception):
    """The key file is missing, unreadable, too permissive or not an Ed25519 private key."""


def key_id_for(public_bytes: bytes) -> str:
    """Ledger key id: hex of the first 8 bytes of SHA-256 over the raw 32-byte public key."""
    return hashlib.sha256(public_bytes).digest()[:8].hex()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    """Strict standard base64 (padding required, no stray characters).

    :raises ValueError: on malformed input.
    """
    if not isinstance(text, str):
        raise ValueError("base64 value is not a string")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"malformed base64 ({exc})") from None


class LedgerSigner:
    """An Ed25519 private key with the ledger's key id."""

    def __init__(self, private_key: Ed25519PrivateKey):
        self._private_key = private_key
        self.public_bytes: bytes = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id: str = key_id_for(self.public_bytes)

    @classmethod
    def generate(cls) -> LedgerSigner:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_pem(cls, pem: bytes) -> LedgerSigner:
        """:raises KeyFileError: when ``pem`` is not an unencrypted Ed25519 PKCS#8 private key."""
        try:
            key = serialization.load_pem_private_key(pem, password=None)
        except (ValueError, TypeError) as exc:
            raise KeyFileError(f"not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"the ledger needs an Ed25519 key, found {type(key).__name__}")
        return cls(key)

    @property
    def public_b64(self) -> str:
        return b64(self.public_bytes)

    def sign(self, message: bytes) -> bytes:
        return self._private_key.sign(message)

    def private_pem(self) -> bytes:
        return self._private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        return f"LedgerSigner(key_id={self.key_id!r})"


def generate_key_file(path: str | os.PathLike[str]) -> LedgerSigner:
    """Create a new Ed25519 key as PEM PKCS#8 with mode 0600; never overwrite an existing file.

    :raises KeyFileError: when the file already exists or cannot be created.
    """
    signer = LedgerSigner.generate()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(f"{path}: already exists; refusing to overwrite a ledger key") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot create key file ({exc.strerror})") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(signer.private_pem())
    return signer


def load_signer(path: str | os.PathLike[str]) -> LedgerSigner:
    """Load the ledger key, refusing a file that group or others could read.

    :raises KeyFileError: with a message saying what to fix.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise KeyFileError(f"{path}: ledger key file not found") from None
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read ledger key file ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        raise KeyFileError(f"{path}: not a regular file")
    if mode & 0o077:
        raise KeyFileError(
            f"{path}: permissions {stat.S_IMODE(mode):04o} let group or others read the ledger key; "
            f"run chmod 600 {path}"
        )
    try:
        with open(path, "rb") as handle:
            pem = handle.read()
    except OSError as exc:
        raise KeyFileError(f"{path}: cannot read ledger key file ({exc.strerror})") from None
    try:
        return LedgerSigner.from_pem(pem)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None


@lru_cache(maxsize=64)
def public_key_from_bytes(public_bytes: bytes) -> Ed25519PublicKey:
    """:raises ValueError: when ``public_bytes`` is not a 32-byte Ed25519 public key."""
    if len(public_bytes) != PUBLIC_KEY_SIZE:
        raise ValueError(f"an Ed25519 public key has {PUBLIC_KEY_SIZE} bytes, got {len(public_bytes)}")
    return Ed25519PublicKey.from_public_bytes(public_bytes)


def verify_signature(public_bytes: bytes, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message`` under the raw public key."""
    try:
        public_key_from_bytes(bytes(public_bytes)).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
