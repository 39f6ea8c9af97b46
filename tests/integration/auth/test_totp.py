"""TOTP: replay refused, window edges, recovery codes, first-login enrolment, admin reset."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
from freezegun import freeze_time

from edc.models import RecoveryCode, User
from tests.fixtures.accounts import app_session, code_at, ledger_entries, post_form, submit_code, submit_password

STEP = timedelta(seconds=30)


def _step_start() -> datetime:
    """A moment 10 s into a 30 s step, a little in the future (after every row already written).

    Requests stay inside the frozen block: a session cookie signed "in the future" is rejected
    once the clock is real again."""
    now = datetime.now(timezone.utc) + timedelta(minutes=5)
    return now.replace(second=10 if now.second < 30 else 40, microsecond=0)


def test_a_code_is_refused_the_second_time_even_inside_its_window(app, client, make_user):
    account = make_user("coordinator")
    with freeze_time(_step_start()) as clock:
        code = pyotp.TOTP(account.totp_secret).now()
        submit_password(client, account.username, account.password)
        assert submit_code(client, code).status_code == 302
        assert client.get("/").status_code == 200
        clock.tick(timedelta(seconds=5))
        second_client = app.test_client()
        submit_password(second_client, account.username, account.password)
        replay = submit_code(second_client, code)
        assert replay.status_code == 400 and b"not accepted" in replay.data
        assert second_client.get("/").status_code == 302
        clock.tick(STEP)
        assert submit_code(second_client, pyotp.TOTP(account.totp_secret).now()).status_code == 302


@pytest.mark.parametrize(
    ("steps_away", "accepted"),
    [(-2, False), (-1, True), (0, True), (1, True), (2, False)],
    ids=["two-steps-back-refused", "previous-step-accepted", "current-step-accepted", "next-step-accepted",
         "two-steps-ahead-refused"],
)
def test_the_window_accepts_one_step_either_side_and_no_more(app, client, make_user, steps_away, accepted):
    account = make_user("coordinator")
    with freeze_time(_step_start()):
        now = datetime.now(timezone.utc)
        code = code_at(account.totp_secret, now + steps_away * STEP)
        submit_password(client, account.username, account.password)
        response = submit_code(client, code)
        assert (response.status_code == 302) is accepted
        assert (client.get("/").status_code == 200) is accepted


def test_a_recovery_code_logs_in_once_and_is_then_spent(app, client, make_user):
    account = make_user("coordinator")
    code = account.recovery_codes[3]
    submit_password(client, account.username, account.password)
    first = submit_code(client, code.upper())
    assert first.status_code == 302 and client.get("/").status_code == 200
    other = app.test_client()
    submit_password(other, account.username, account.password)
    again = submit_code(other, code)
    assert again.status_code == 400 and other.get("/").status_code == 302
    with app_session(app) as db:
        used = ledger_entries(db, "auth.recovery_code_used")
        assert [e.payload["recovery_codes_left"] for e in used] == [9]
        assert ledger_entries(db, "auth.login_succeeded")[-1].payload["second_factor"] == "recovery_code"
        hashes = [row.code_hash for row in db.query(RecoveryCode).filter_by(user_id=account.user.id)]
    assert len(hashes) == 10 and all(code not in stored for stored in hashes)
    assert all(stored.startswith("$argon2") for stored in hashes)


def test_first_login_forces_enrolment_with_a_local_qr_code_and_shows_ten_recovery_codes_once(app, client, make_user):
    account = make_user("investigator", enrolled=False)
    step_one = submit_password(client, account.username, account.password)
    assert step_one.headers["Location"].endswith("/login/enrol")
    assert client.get("/login/code").headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").text
    key = re.search(r'id="totp-key"[^>]*>([A-Z2-7]+)<', page).group(1)
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', page).group(1)
    assert b"<svg" in base64.b64decode(qr)
    assert not re.search(r'src="(https?:)?//', page), "the QR code must not come from an external service"
    wrong = submit_code(client, "000000" if pyotp.TOTP(key).now() != "000000" else "111111", "/login/enrol")
    assert wrong.status_code == 400
    done = submit_code(client, pyotp.TOTP(key).now(), "/login/enrol")
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", done.text)
    assert len(set(codes)) == 10
    assert client.get("/").status_code == 200
    assert client.get("/login/enrol").status_code == 302, "the codes are never shown again"
    with app_session(app) as db:
        enrolled = ledger_entries(db, "account.totp_enrolled")
        assert db.get(User, account.user.id).totp_confirmed is True
    assert [e.payload["recovery_codes_issued"] for e in enrolled] == [10]
    assert all(key not in e.to_bytes().decode() for e in ledger_entries_all(app))


def ledger_entries_all(app):
    with app_session(app) as db:
        return ledger_entries(db)


def test_an_admin_reset_of_totp_forces_a_new_enrolment_with_a_new_key(app, client, make_user, login):
    account = make_user("coordinator")
    admin_client = app.test_client()
    login(admin_client, make_user("admin"))
    path = f"/admin/users/{account.user.id}"
    assert post_form(admin_client, path + "/reset-totp", token_from=path).status_code == 302
    step_one = submit_password(client, account.username, account.password)
    assert step_one.headers["Location"].endswith("/login/enrol")
    page = client.get("/login/enrol").text
    new_key = re.search(r'id="totp-key"[^>]*>([A-Z2-7]+)<', page).group(1)
    assert new_key != account.totp_secret
    old_code_attempt = submit_code(client, pyotp.TOTP(account.totp_secret).now(), "/login/enrol")
    assert old_code_attempt.status_code == 400
    assert client.get("/login/code").headers["Location"].endswith("/login/enrol")
    assert client.get("/").status_code == 302
    with app_session(app) as db:
        resets = ledger_entries(db, "account.totp_reset")
        unused = db.query(RecoveryCode).filter_by(user_id=account.user.id, used_at=None).count()
    assert unused == 0, "the old recovery codes must die with the old authenticator"
    assert [e.payload["target_user_id"] for e in resets] == [account.user.id]
