"""Password hashing (argon2id) and the password policy (21 CFR 11.300(b),(d)).

The policy is pure: :func:`policy_problems` returns the reasons a candidate is refused, so the
page can show every reason at once and the unit tests need no database.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TEMPORARY_PASSWORD_BYTES = 15  # 20 URL-safe characters, above any sensible minimum length


class PasswordRejected(ValueError):
    """A new password breaks the policy; ``problems`` lists every reason in the user's terms."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int
    history: int
    expiry_days: int | None = None

    @classmethod
    def from_config(cls, config) -> PasswordPolicy:
        return cls(
            min_length=int(config["EDC_PASSWORD_MIN_LENGTH"]),
            history=int(config["EDC_PASSWORD_HISTORY"]),
            expiry_days=config.get("EDC_PASSWORD_EXPIRY_DAYS"),
        )


def _hasher() -> PasswordHasher:
    """RFC 9106 low-memory argon2id; the test environment uses the cheapest parameters so the suite
    stays fast.  Verification reads the parameters from each hash, so both kinds always verify."""
    if os.environ.get("EDC_ENV") == "test":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing or malformed hash never matches."""
    if not password_hash:
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASHES: dict[bool, str] = {}


def spend_verification_time(password: str) -> None:
    """Verify against a throw-away hash, so an unknown username costs as long as a wrong password
    (the response time must not reveal whether the account exists)."""
    key = os.environ.get("EDC_ENV") == "test"
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password(secrets.token_urlsafe(16))
    verify_password(_DUMMY_HASHES[key], password)


def policy_problems(policy: PasswordPolicy, username: str, candidate: str, previous_hashes: Iterable[str]) -> list[str]:
    """Every reason ``candidate`` is refused for ``username`` (empty when acceptable).

    ``previous_hashes`` are the user's current and earlier password hashes, newest first; only the
    last ``policy.history`` are compared.
    """
    problems = []
    if len(candidate) < policy.min_length:
        problems.append(f"The password must have at least {policy.min_length} characters.")
    if username and username.casefold() in candidate.casefold():
        problems.append("The password must not contain your username.")
    recent = list(previous_hashes)[: policy.history]
    if any(verify_password(old, candidate) for old in recent):
        problems.append(f"The password must differ from your last {policy.history} passwords.")
    return problems


def generate_temporary_password() -> str:
    return secrets.token_urlsafe(TEMPORARY_PASSWORD_BYTES)


def password_expired(changed_at: datetime, expiry_days: int | None, now: datetime) -> bool:
    return bool(expiry_days) and now - changed_at > timedelta(days=expiry_days)
