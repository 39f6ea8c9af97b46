"""Per-user signing keys: wrapped under the password with scrypt + AES-GCM, never stored in clear."""
from __future__ import annotations

import json

import pytest

from edc.services import user_keys


def test_the_key_unlocks_with_its_password_and_signs_verifiably():
    issued = user_keys.issue_key("correct horse battery")
    key = user_keys.unlock_key(issued.wrapped_key, "correct horse battery")
    signature = key.sign(b"content hash")
    assert user_keys.verify_user_signature(issued.public_bytes, signature, b"content hash")
    assert not user_keys.verify_user_signature(issued.public_bytes, signature, b"other content")


def test_a_wrong_password_does_not_unlock_it():
    issued = user_keys.issue_key("correct horse battery")
    with pytest.raises(user_keys.SigningKeyLocked, match="does not unlock"):
        user_keys.unlock_key(issued.wrapped_key, "correct horse batterz")


def test_the_stored_form_names_its_scheme_and_holds_no_raw_key():
    from cryptography.hazmat.primitives import serialization

    issued = user_keys.issue_key("correct horse battery")
    document = json.loads(issued.wrapped_key)
    assert document["format"] == user_keys.WRAP_FORMAT and document["n"] >= 2**10
    raw = user_keys.unlock_key(issued.wrapped_key, "correct horse battery").private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    import base64

    assert base64.b64encode(raw) not in issued.wrapped_key and raw not in issued.wrapped_key


def test_rewrapping_keeps_the_key_and_retires_the_old_password():
    issued = user_keys.issue_key("first password 1")
    rewrapped = user_keys.rewrap_key(issued.wrapped_key, "first password 1", "second password 2")
    signature = user_keys.unlock_key(rewrapped, "second password 2").sign(b"m")
    assert user_keys.verify_user_signature(issued.public_bytes, signature, b"m")
    with pytest.raises(user_keys.SigningKeyLocked):
        user_keys.unlock_key(rewrapped, "first password 1")


@pytest.mark.parametrize("stored", [b"", b"not json", b'{"format": "other"}', b"-----BEGIN ENCRYPTED PRIVATE KEY-----"])
def test_an_unreadable_stored_key_is_refused_clearly(stored):
    with pytest.raises(user_keys.SigningKeyLocked):
        user_keys.unlock_key(stored, "any password")
