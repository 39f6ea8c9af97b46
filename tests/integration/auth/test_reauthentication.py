"""Re-authentication for e-signatures (11.200(a)) and the per-user signing key."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pyotp
import pytest

from edc.db import transaction
from edc.models import User
from edc.services import accounts
from edc.services.passwords import PasswordPolicy
from edc.services.reauth import ReauthenticationFailed, reauthenticate
from edc.services.user_keys import SigningKeyLocked, sign_with_password, verify_user_signature
from edc.wiring import ledger_config
from tests.fixtures.accounts import app_session, ledger_entries

MESSAGE = b"casebook RAH-001 eligibility form v3, sha256=..."


def _reauth(app, user_id: int, password: str, code: str, now: datetime | None = None):
    """Run one re-authentication in its own unit of work; return the key or the refusal."""
    with app_session(app) as db:
        user = db.get(User, user_id)
        with transaction(db):
            try:
                return reauthenticate(db, ledger_config(), user, password, code, lockout_threshold=5,
                                      client_address="10.0.0.7", now=now)
            except ReauthenticationFailed as failure:
                return failure


@pytest.mark.parametrize("fault", ["wrong-password", "wrong-code", "replayed-code"])
def test_reauthentication_refuses_a_wrong_factor_or_a_replayed_code(app, make_user, fault):
    account = make_user("investigator")
    now = datetime.now(timezone.utc)
    code = pyotp.TOTP(account.totp_secret).at(now)
    if fault == "replayed-code":
        assert not isinstance(_reauth(app, account.user.id, account.password, code, now), Exception)
    password = account.password + "x" if fault == "wrong-password" else account.password
    attempt = code if fault != "wrong-code" else ("000000" if code != "000000" else "111111")
    result = _reauth(app, account.user.id, password, attempt, now + timedelta(seconds=3))
    assert isinstance(result, ReauthenticationFailed)
    assert "Signature refused" in str(result)
    with app_session(app) as db:
        assert db.get(User, account.user.id).failed_logins == 1
        failures = ledger_entries(db, "auth.reauthentication_failed")
    assert [e.payload["target_user_id"] for e in failures] == [account.user.id]
    assert failures[0].payload["client_address"] == "10.0.0.7"


def test_five_failed_reauthentications_lock_the_account(app, make_user):
    account = make_user("investigator")
    for _ in range(5):
        assert isinstance(_reauth(app, account.user.id, "wrong-password!", "123456"), ReauthenticationFailed)
    with app_session(app) as db:
        assert db.get(User, account.user.id).locked is True
    now = datetime.now(timezone.utc)
    refused = _reauth(app, account.user.id, account.password, pyotp.TOTP(account.totp_secret).at(now), now)
    assert isinstance(refused, ReauthenticationFailed) and "locked" in str(refused)


def test_a_successful_reauthentication_unlocks_a_key_whose_signature_verifies(app, make_user):
    account = make_user("investigator")
    now = datetime.now(timezone.utc)
    key = _reauth(app, account.user.id, account.password, pyotp.TOTP(account.totp_secret).at(now), now)
    signature = key.sign(MESSAGE)
    assert verify_user_signature(account.user.signing_public_key, signature, MESSAGE)
    assert not verify_user_signature(account.user.signing_public_key, signature, MESSAGE + b"!")
    other = make_user("investigator")
    assert not verify_user_signature(other.user.signing_public_key, signature, MESSAGE)


def test_a_password_change_rewraps_the_same_key(app, make_user):
    account = make_user("investigator")
    new_password = "A-new-and-long-secret"
    with app_session(app) as db:
        user = db.get(User, account.user.id)
        with transaction(db):
            accounts.change_password(db, ledger_config(), user, current_password=account.password, new_password=new_password,
                                     policy=PasswordPolicy(min_length=12, history=5))
        assert bytes(user.signing_public_key) == bytes(account.user.signing_public_key)
        signature = sign_with_password(user, new_password, MESSAGE)
        assert verify_user_signature(user.signing_public_key, signature, MESSAGE)
        with pytest.raises(SigningKeyLocked):
            sign_with_password(user, account.password, MESSAGE)


def test_an_admin_password_reset_issues_a_new_key_and_ledgers_it(app, make_user):
    account = make_user("investigator")
    admin = make_user("admin")
    old_public = bytes(account.user.signing_public_key)
    old_signature = sign_with_password(account.user, account.password, MESSAGE)
    with app_session(app) as db:
        user = db.get(User, account.user.id)
        with transaction(db):
            temporary = accounts.reset_password(db, ledger_config(), db.get(User, admin.user.id), user)
        new_public = bytes(user.signing_public_key)
        assert new_public != old_public
        with pytest.raises(SigningKeyLocked):
            sign_with_password(user, account.password, MESSAGE)
        assert verify_user_signature(new_public, sign_with_password(user, temporary, MESSAGE), MESSAGE)
        issued = [e for e in ledger_entries(db, "account.signing_key_issued") if e.payload["target_user_id"] == user.id]
    assert verify_user_signature(old_public, old_signature, MESSAGE), "old signatures stay verifiable"
    assert [base64.b64decode(e.payload["public_key"]) for e in issued] == [old_public, new_public]
    assert issued[-1].actor.user_id == admin.user.id
    assert all(temporary.encode() not in e.to_bytes() for e in issued)
