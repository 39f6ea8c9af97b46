"""Password policy (length, username, history of 5), forced change and expiry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time

from edc.models import User
from edc.services.passwords import PasswordPolicy, hash_password, policy_problems
from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries

POLICY = PasswordPolicy(min_length=12, history=5)


@pytest.mark.parametrize(
    ("candidate", "refusal"),
    [
        ("Abcdefghij1", "at least 12 characters"),   # 11: one short
        ("Abcdefghij12", None),                       # 12: the boundary passes
        ("my-MARYJ-password", "must not contain your username"),
        ("mary-jones-long", None),                    # close to the name but not containing it
    ],
    ids=["eleven-chars-refused", "twelve-chars-accepted", "username-any-case-refused", "other-name-accepted"],
)
def test_policy_length_and_username(candidate, refusal):
    problems = policy_problems(POLICY, "maryj", candidate, [])
    if refusal is None:
        assert problems == []
    else:
        assert any(refusal in problem for problem in problems)


def test_policy_refuses_only_the_last_five_passwords():
    history = [hash_password(f"old-password-{n:02d}") for n in range(6, 0, -1)]  # newest first: 06 .. 01
    assert policy_problems(POLICY, "bob", "old-password-02", history)  # fifth newest: refused
    assert policy_problems(POLICY, "bob", "old-password-01", history) == []  # sixth newest: allowed again


def _change(client, current: str, new: str, confirm: str | None = None):
    page = client.get("/account/password")
    return client.post("/account/password", data={
        "csrf_token": csrf_token_from(page.data), "current_password": current, "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    })


def test_the_change_page_refuses_a_weak_password_next_to_its_field(app, client, make_user, login):
    account = make_user("coordinator", username="maryj")
    login(client, account)
    response = _change(client, account.password, "short")
    assert response.status_code == 400
    html = response.text
    assert 'id="new_password-error-1"' in html and "at least 12 characters" in html
    assert 'aria-describedby="new_password-hint new_password-error-1"' in html
    wrong_current = _change(client, "not-my-password", "Completely-new-secret-1")
    assert 'id="current_password-error-1"' in wrong_current.text
    mismatch = _change(client, account.password, "Completely-new-secret-1", "Completely-new-secret-2")
    assert "The two new passwords differ." in mismatch.text


def test_the_last_five_passwords_cannot_be_reused_through_the_page(app, client, make_user, login):
    account = make_user("coordinator")
    login(client, account)
    passwords = [account.password] + [f"Rotation-secret-{n}" for n in range(1, 6)]
    for old, new in zip(passwords, passwords[1:]):
        assert _change(client, old, new).status_code == 302
    current = passwords[-1]
    for reused in passwords[1:]:
        assert "last 5 passwords" in _change(client, current, reused).text
    assert _change(client, current, passwords[0]).status_code == 302, "the sixth password back is allowed again"
    with app_session(app) as db:
        changes = ledger_entries(db, "account.password_changed")
    assert len(changes) == 6 and all(e.payload["target_user_id"] == account.user.id for e in changes)
    assert all(p.encode() not in e.to_bytes() for e in changes for p in passwords)


def test_a_user_who_must_change_the_password_is_held_on_the_change_page(app, client, make_user, login):
    account = make_user("coordinator")
    with app_session(app) as db:
        db.get(User, account.user.id).must_change_password = True
        db.commit()
    login(client, account)
    for path in ("/", "/admin/users"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    assert b"must choose a new password" in client.get("/account/password").data
    assert _change(client, account.password, "A-brand-new-secret").status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(("days", "forced"), [(89, False), (91, True)])
def test_an_expired_password_must_be_changed(app, client, make_user, login, days, forced):
    app.config["EDC_PASSWORD_EXPIRY_DAYS"] = 90
    account = make_user("coordinator")
    with freeze_time(datetime.now(timezone.utc) + timedelta(days=days)):
        login(client, account)
        response = client.get("/")
        if forced:
            assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
            assert b"expired" in client.get("/account/password").data
        else:
            assert response.status_code == 200
