"""Re-authentication at each e-signature (21 CFR 11.200(a)(1)): the password and a fresh TOTP code.

Usage - the failure is written in the caller's session, so catch the exception *inside* the unit of
work and let it commit::

    with transaction(session):
        try:
            key = reauthenticate(session, ledger, user, password, code, lockout_threshold=5)
        except ReauthenticationFailed as failure:
            refused = failure
        else:
            ... sign with ``key`` ...
"""
from __future__ import annotations

from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from audit.entry import RecordRef

from ..models import User
from . import passwords, user_keys
from .accounts import accept_totp_code, actor_of, can_log_in, record_authentication_failure
from .ledger import LedgerConfig, append


class ReauthenticationFailed(Exception):
    """The signature is refused; the message says what to do, never which factor was wrong."""


FAILED_MESSAGE = (
    "Signature refused: the password or the authenticator code was not accepted. Each code can be used "
    "only once - wait for the next code in your authenticator app and try again."
)
LOCKED_MESSAGE = "Signature refused: your account is locked or deactivated. Ask an administrator."


def reauthenticate(
    session: Session,
    ledger: LedgerConfig,
    user: User,
    password: str,
    totp_code: str,
    *,
    lockout_threshold: int,
    client_address: str | None = None,
    now: datetime | None = None,
) -> Ed25519PrivateKey:
    """Check both factors again and return the user's unlocked signing key.

    A failure counts toward lockout and is ledgered in ``session`` before the exception is raised.

    :raises ReauthenticationFailed: for a wrong password, a wrong, expired or replayed code, or an
        account that cannot log in.
    """
    now = now or datetime.now(timezone.utc)
    if not can_log_in(user):
        _fail(session, ledger, user, lockout_threshold, client_address)
        raise ReauthenticationFailed(LOCKED_MESSAGE)
    password_ok = passwords.verify_password(user.password_hash, password)
    code_ok = password_ok and accept_totp_code(user, totp_code, now)
    if not (password_ok and code_ok):
        _fail(session, ledger, user, lockout_threshold, client_address)
        raise ReauthenticationFailed(LOCKED_MESSAGE if user.locked else FAILED_MESSAGE)
    try:
        key = user_keys.unlock_key(user.signing_private_key_enc, password)
    except user_keys.SigningKeyLocked:
        raise ReauthenticationFailed(
            "Signature refused: your signing key cannot be unlocked. Ask an administrator to reset your password."
        ) from None
    user.failed_logins = 0
    append(session, ledger, actor=actor_of(user), action="auth.reauthenticated", record=RecordRef(),
           payload={"target_user_id": user.id, "target_username": user.username, "client_address": client_address})
    return key


def _fail(session, ledger, user, lockout_threshold, client_address) -> None:
    record_authentication_failure(session, ledger, user, stage="reauthentication", attempted_fingerprint=None,
                                  lockout_threshold=lockout_threshold, client_address=client_address)
