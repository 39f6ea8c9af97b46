"""Login with password and TOTP: generic refusals, lockout, session rotation, CSRF and headers."""
from __future__ import annotations

import re

import pyotp
import pytest

from edc.models import User
from tests.fixtures.accounts import (
    app_session, csrf_token_from, ledger_entries, post_form, session_cookie, submit_code, submit_password,
)

GENERIC = b"Login refused: the username or password is not correct, or the account cannot be used."


def test_a_ready_user_logs_in_with_password_then_totp_and_lands_home(app, client, make_user):
    account = make_user("coordinator")
    first = submit_password(client, account.username, account.password)
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/code")
    assert client.get("/").status_code == 302, "the password alone must not log in"
    second = submit_code(client, pyotp.TOTP(account.totp_secret).now())
    assert second.status_code == 302 and second.headers["Location"].endswith("/")
    assert client.get("/").status_code == 200
    with app_session(app) as db:
        entries = ledger_entries(db, "auth.login_succeeded")
    assert [e.payload["target_user_id"] for e in entries] == [account.user.id]
    assert entries[0].payload["client_address"] == "127.0.0.1"


def test_wrong_password_and_unknown_user_get_the_same_generic_refusal(app, client, make_user):
    account = make_user("coordinator")
    wrong = submit_password(client, account.username, account.password + "x")
    unknown = submit_password(client, "nobody-here", account.password)
    assert wrong.status_code == unknown.status_code == 400
    assert GENERIC in wrong.data and GENERIC in unknown.data
    assert _without_tokens(wrong.data, account.username) == _without_tokens(unknown.data, "nobody-here")


def _without_tokens(html: bytes, username: str) -> bytes:
    """The page with the CSRF token and the echoed username blanked out."""
    html = re.sub(rb'value="[^"]*"', b'value=""', html)
    return html.replace(username.encode(), b"")


@pytest.mark.parametrize("state", ["locked", "deactivated"])
def test_a_locked_or_deactivated_account_gets_the_same_refusal_even_with_the_right_password(app, client, make_user, state):
    account = make_user("coordinator")
    with app_session(app) as db:
        user = db.get(User, account.user.id)
        setattr(user, "locked" if state == "locked" else "active", state == "locked")
        db.commit()
    response = submit_password(client, account.username, account.password)
    assert response.status_code == 400 and GENERIC in response.data


def test_failure_entries_carry_a_keyed_hash_of_the_attempted_username_never_the_text(app, client, make_user):
    account = make_user("coordinator")
    submit_password(client, "typed-Password-here", "whatever")
    submit_password(client, account.username, "wrong-password-123")
    with app_session(app) as db:
        failures = ledger_entries(db, "auth.login_failed")
    assert len(failures) == 2
    unknown, known = failures
    assert unknown.payload["target_user_id"] is None and known.payload["target_user_id"] == account.user.id
    assert len(unknown.payload["attempted_username_hmac"]) == 64
    for entry in failures:
        text = entry.to_bytes()
        assert b"typed-Password-here" not in text.lower() and b"wrong-password-123" not in text and b"whatever" not in text
        assert entry.payload["client_address"] == "127.0.0.1"


def test_five_consecutive_failures_lock_the_account_until_an_admin_unlocks_it(app, client, make_user, login):
    account = make_user("coordinator")
    admin = make_user("admin")
    for attempt in range(1, 5):
        submit_password(client, account.username, f"wrong-{attempt}")
        with app_session(app) as db:
                assert db.get(User, account.user.id).locked is False, f"locked after only {attempt} failures"
    submit_password(client, account.username, "wrong-5")
    refused = submit_password(client, account.username, account.password)
    assert refused.status_code == 400 and GENERIC in refused.data
    with app_session(app) as db:
        locks = ledger_entries(db, "account.locked")
    assert [e.payload["target_user_id"] for e in locks] == [account.user.id]

    admin_client = app.test_client()
    login(admin_client, admin)
    unlocked = post_form(admin_client, f"/admin/users/{account.user.id}/unlock", token_from=f"/admin/users/{account.user.id}")
    assert unlocked.status_code == 302
    with app_session(app) as db:
        unlocks = ledger_entries(db, "account.unlocked")
    assert unlocks[0].payload["target_user_id"] == account.user.id and unlocks[0].actor.user_id == admin.user.id
    login(app.test_client(), account)


def test_a_successful_login_resets_the_failure_count(app, client, make_user, login):
    account = make_user("coordinator")
    for attempt in range(4):
        submit_password(client, account.username, f"wrong-{attempt}")
    login(client, account)
    client.post("/logout", data={"csrf_token": _token(client)})
    for attempt in range(4):
        submit_password(client, account.username, f"wrong-again-{attempt}")
    with app_session(app) as db:
        user = db.get(User, account.user.id)
        assert user.locked is False and user.failed_logins == 4


def _token(client) -> str:
    return csrf_token_from(client.get("/").data)


def test_login_rotates_the_session_so_nothing_from_before_survives(app, client, make_user, login):
    account = make_user("coordinator")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = session_cookie(client).value
    login(client, account)
    after = session_cookie(client).value
    assert after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == str(account.user.id)
        assert session["login_at"] and session["last_seen"]


def test_logout_is_a_post_and_ends_the_session(app, client, make_user, login):
    account = make_user("coordinator")
    login(client, account)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={"csrf_token": _token(client)}).status_code == 302
    assert client.get("/").status_code == 302
    with app_session(app) as db:
        assert [e.payload["target_user_id"] for e in ledger_entries(db, "auth.logout")] == [account.user.id]


def test_csrf_is_enforced_on_login_and_on_logout(app, client, make_user, login):
    account = make_user("coordinator")
    client.get("/login")
    without = client.post("/login", data={"username": account.username, "password": account.password})
    assert without.status_code == 400 and b"Form expired" in without.data
    login(client, account)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200, "a forged logout must not end the session"


@pytest.mark.parametrize("path", ["/login", "/"])
def test_security_headers_forbid_inline_script_framing_and_caching(app, client, make_user, login, path):
    login(client, make_user("coordinator"))
    response = client.get(path, follow_redirects=False)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["Cache-Control"] == "no-store"
    cookie = session_cookie(client)
    assert cookie.http_only and cookie.same_site == "Lax"


def test_an_anonymous_page_request_is_sent_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
