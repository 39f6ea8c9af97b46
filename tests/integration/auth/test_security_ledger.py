"""Every security event reaches the ledger with actor, target user and client address, and no
entry ever holds a password, a TOTP secret or code, or a recovery code."""
from __future__ import annotations

import re

import pyotp

from edc.models import SiteRole, User
from tests.fixtures.accounts import (
    app_session, csrf_token_from, ledger_entries, post_form, submit_code, submit_password,
)

SECURITY_EVENTS = {
    "account.created", "account.signing_key_issued", "account.role_assigned", "account.role_changed",
    "account.role_revoked", "account.training_recorded", "account.attestation_accepted",
    "account.totp_enrolment_started", "account.totp_enrolled", "auth.login_succeeded", "auth.login_failed",
    "account.locked", "account.unlocked", "auth.recovery_code_used", "account.password_changed",
    "account.password_reset", "account.totp_reset", "account.deactivated", "account.reactivated",
    "account.profile_updated", "auth.logout",
}


def test_a_whole_account_life_is_in_the_ledger_without_a_single_secret(app, client, make_user, make_site, login):
    admin = make_user("admin")
    second_site = make_site("TUMS", "Tehran children's hospital")
    make_site("RAH")
    admin_client = app.test_client()
    login(admin_client, admin)
    created = post_form(admin_client, "/admin/users/new", {
        "username": "neda", "printed_name": "Dr Neda Karimi", "email": "neda@hospital.example", "role": "coordinator",
        "site": str(make_site("RAH").id),
    }, "/admin/users/new")
    temporary = re.search(r'id="temporary-password">([^<]+)<', created.text).group(1)
    with app_session(app) as db:
        neda_id = db.query(User).filter_by(username="neda").one().id
    page = f"/admin/users/{neda_id}"
    post_form(admin_client, page + "/training", {"course": "EDC", "completed_on": "2026-02-01"}, page)
    post_form(admin_client, page, {"printed_name": "Dr Neda Karimi-Rad", "email": "neda@hospital.example"}, page)
    post_form(admin_client, page + "/roles", {"role": "investigator", "site": str(make_site("RAH").id)}, page)

    submit_password(client, "neda", "wrong-one")
    assert submit_password(client, "neda", temporary).headers["Location"].endswith("/login/enrol")
    key = re.search(r'id="totp-key"[^>]*>([A-Z2-7]+)<', client.get("/login/enrol").text).group(1)
    enrolled = submit_code(client, pyotp.TOTP(key).now(), "/login/enrol")
    codes = re.findall(r"<li>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</li>", enrolled.text)
    new_password = "My-own-secret-for-2026"
    token = csrf_token_from(client.get("/account/password").data)
    client.post("/account/password", data={"csrf_token": token, "current_password": temporary,
                                            "new_password": new_password, "confirm_password": new_password})
    token = csrf_token_from(client.get("/account/attestation").data)
    client.post("/account/attestation", data={"csrf_token": token, "accept": "y"})
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").data)})

    submit_password(client, "neda", new_password)
    submit_code(client, codes[0])
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").data)})
    for attempt in range(5):
        submit_password(client, "neda", f"bad-guess-{attempt}")
    post_form(admin_client, page + "/unlock", token_from=page)
    post_form(admin_client, page + "/reset-totp", token_from=page)
    reset = post_form(admin_client, page + "/reset-password", token_from=page)
    second_temporary = re.search(r'id="temporary-password">([^<]+)<', reset.text).group(1)
    with app_session(app) as db:
        grant_id = db.query(SiteRole).filter_by(user_id=neda_id, active=True).one().id
    post_form(admin_client, f"/admin/roles/{grant_id}/revoke", token_from=page)
    post_form(admin_client, page + "/deactivate", {"reason": "left the study team"}, page)
    post_form(admin_client, page + "/reactivate", {"reason": "returned"}, page)
    assert second_site.code == "TUMS"

    with app_session(app) as db:
        entries = ledger_entries(db)
    about_neda = [e for e in entries if e.payload.get("target_user_id") == neda_id]
    assert SECURITY_EVENTS <= {e.action for e in about_neda}
    for entry in about_neda:
        assert entry.payload["client_address"] == "127.0.0.1", entry.action
        assert entry.actor.name, entry.action
    assert {e.actor.user_id for e in about_neda if e.action.startswith("account.") and e.action not in (
        "account.attestation_accepted", "account.totp_enrolment_started", "account.totp_enrolled",
        "account.password_changed", "account.locked")} == {admin.user.id}

    secrets = [temporary, second_temporary, new_password, key, *codes, *(f"bad-guess-{n}" for n in range(5)), "wrong-one"]
    with app_session(app) as db:
        neda = db.get(User, neda_id)
        secrets += [neda.password_hash, admin.password, admin.totp_secret]
    bodies = b"".join(e.to_bytes() for e in entries)
    for secret in secrets:
        assert secret.encode() not in bodies, "a secret reached the ledger"
