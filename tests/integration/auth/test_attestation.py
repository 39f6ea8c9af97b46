"""Roles are unusable until training is recorded and the e-signature attestation accepted
(21 CFR 11.10(i), 11.100(c))."""
from __future__ import annotations

from edc.models import User
from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries, post_form


def _accept(client):
    page = client.get("/account/attestation")
    return client.post("/account/attestation", data={"csrf_token": csrf_token_from(page.data), "accept": "y"})


def test_an_untrained_user_has_no_usable_role_and_cannot_attest(app, client, make_user, login):
    account = make_user("admin", trained=False, attested=False)
    login(client, account)
    assert client.get("/admin/users").status_code == 403
    page = client.get("/account/attestation")
    assert b"must first record your protocol and system training" in page.data
    assert _accept(client).status_code == 200
    with app_session(app) as db:
        assert db.get(User, account.user.id).attestation_accepted_at is None


def test_after_training_the_user_is_led_to_the_attestation_and_then_the_role_works(app, client, make_user, login):
    account = make_user("admin", trained=False, attested=False)
    other_admin = app.test_client()
    admin = make_user("admin")
    login(other_admin, admin)
    path = f"/admin/users/{account.user.id}"
    recorded = post_form(other_admin, path + "/training", {"course": "Protocol v2 + EDC", "completed_on": "2026-01-10"}, path)
    assert recorded.status_code == 302

    login(client, account)
    forced = client.get("/admin/users")
    assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/attestation")
    unticked = client.post("/account/attestation", data={"csrf_token": csrf_token_from(client.get("/account/attestation").data)})
    assert unticked.status_code == 400 and b"Tick the box" in unticked.data
    assert _accept(client).status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert b"You accepted this statement" in client.get("/account/attestation").data
    with app_session(app) as db:
        training = ledger_entries(db, "account.training_recorded")
        attested = ledger_entries(db, "account.attestation_accepted")
    mine = [e for e in training if e.payload["target_user_id"] == account.user.id]
    assert mine[0].payload["course"] == "Protocol v2 + EDC" and mine[0].actor.user_id == admin.user.id
    ours = [e for e in attested if e.payload["target_user_id"] == account.user.id]
    assert len(ours) == 1 and "legally binding equivalent" in ours[0].payload["statement"]
    assert ours[0].actor.user_id == account.user.id
