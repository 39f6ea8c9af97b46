"""Administration pages: accounts are created, edited, deactivated, never deleted nor renamed;
site roles follow the one-role-per-site rule; sites are managed; forms keep what was typed."""
from __future__ import annotations

import re

import pytest

from edc.models import Site, SiteRole, User
from tests.fixtures.accounts import app_session, ledger_entries, post_form, submit_password

GENERIC = b"Login refused"


@pytest.fixture
def admin_client(app, make_user, login):
    client = app.test_client()
    login(client, make_user("admin"))
    return client


def _new_user(admin_client, **fields):
    data = {"username": "reza", "printed_name": "Dr Reza Ahmadi", "email": "reza@hospital.example",
            "role": "auditor", "site": ""}
    data.update(fields)
    return post_form(admin_client, "/admin/users/new", data, "/admin/users/new")


def test_an_admin_creates_a_user_who_gets_a_temporary_password_shown_once(app, client, admin_client):
    created = _new_user(admin_client)
    assert created.status_code == 200
    temporary = re.search(r'id="temporary-password">([^<]+)<', created.text).group(1)
    listing = admin_client.get("/admin/users").text
    assert "reza" in listing and temporary not in listing
    step = submit_password(client, "reza", temporary)
    assert step.headers["Location"].endswith("/login/enrol")
    with app_session(app) as db:
        reza = db.query(User).filter_by(username="reza").one()
        assert reza.must_change_password and reza.signing_public_key
        assert [(g.role, g.site_id) for g in reza.roles] == [("auditor", None)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"username": "x"}, "username", "3 to 64"),
        ({"email": "not-an-address"}, "email", "e-mail address"),
        ({"role": "coordinator", "site": ""}, "site", "work at a site"),
        ({"printed_name": ""}, "printed_name", "Enter the full printed name"),
    ],
    ids=["short-username", "bad-email", "site-role-without-site", "no-printed-name"],
)
def test_a_rejected_new_user_form_keeps_the_input_and_shows_the_message_at_its_field(admin_client, fields, field, message):
    response = _new_user(admin_client, **fields)
    assert response.status_code == 400
    html = response.text
    assert f'id="{field}-error-1"' in html and message in html
    assert 'value="reza@hospital.example"' in html or fields.get("email") and f'value="{fields["email"]}"' in html
    assert re.search(rf'<label for="{field}">', html)


def test_usernames_are_never_reused_even_after_deactivation(app, client, admin_client, make_user):
    reza = make_user("auditor", username="reza")
    page = f"/admin/users/{reza.user.id}"
    assert post_form(admin_client, page + "/deactivate", {"reason": "left"}, page).status_code == 302
    again = _new_user(admin_client, username="REZA")
    assert again.status_code == 400 and "never reused" in again.text
    refused = submit_password(client, "reza", reza.password)
    assert refused.status_code == 400 and GENERIC in refused.data
    with app_session(app) as db:
        assert db.query(User).filter_by(username="reza").count() == 1
        assert db.get(User, reza.user.id).active is False
    assert post_form(admin_client, page + "/reactivate", {"reason": "back"}, page).status_code == 302
    assert submit_password(client, "reza", reza.password).status_code == 302


def test_an_admin_cannot_deactivate_or_demote_themself(app, make_user, login):
    admin = make_user("admin")
    client = app.test_client()
    login(client, admin)
    page = f"/admin/users/{admin.user.id}"
    response = post_form(client, page + "/deactivate", {}, page)
    assert b"cannot deactivate your own account" in client.get(response.headers["Location"]).data
    with app_session(app) as db:
        grant_id = db.query(SiteRole).filter_by(user_id=admin.user.id).one().id
        assert db.get(User, admin.user.id).active
    post_form(client, f"/admin/roles/{grant_id}/revoke", {}, page)
    with app_session(app) as db:
        assert db.get(SiteRole, grant_id).active is True


def test_site_roles_one_per_site_and_study_wide_roles_without_site(app, admin_client, make_user, make_site):
    rah, tums = make_site("RAH"), make_site("TUMS")
    account = make_user("coordinator", site=rah)
    page = f"/admin/users/{account.user.id}"
    assert post_form(admin_client, page + "/roles", {"role": "investigator", "site": str(tums.id)}, page).status_code == 302
    assert post_form(admin_client, page + "/roles", {"role": "investigator", "site": str(rah.id)}, page).status_code == 302
    refused = post_form(admin_client, page + "/roles", {"role": "data_manager", "site": str(rah.id)}, page)
    assert refused.status_code == 400 and 'id="site-error-1"' in refused.text and "study-wide" in refused.text
    mixed = post_form(admin_client, page + "/roles", {"role": "auditor", "site": ""}, page)
    assert mixed.status_code == 400 and "site roles before giving a study-wide role" in mixed.text
    with app_session(app) as db:
        grants = sorted((g.site_id, g.role, g.active) for g in db.query(SiteRole).filter_by(user_id=account.user.id))
        changes = [e.payload for e in ledger_entries(db, "account.role_changed")]
    assert grants == sorted([(rah.id, "investigator", True), (tums.id, "investigator", True)])
    assert changes == [{"target_user_id": account.user.id, "target_username": account.user.username,
                        "client_address": "127.0.0.1", "role": "investigator", "previous_role": "coordinator",
                        "site_code": "RAH"}]


def test_profile_edit_and_training_are_saved_and_a_bad_date_is_reported_at_its_field(app, admin_client, make_user):
    account = make_user("monitor")
    page = f"/admin/users/{account.user.id}"
    assert post_form(admin_client, page, {"printed_name": "Dr Sara Mohammadi", "email": "sara@h.example"}, page).status_code == 302
    bad = post_form(admin_client, page + "/training", {"course": "GCP refresher", "completed_on": "31/02/2026"}, page)
    assert bad.status_code == 400 and 'id="completed_on-error-1"' in bad.text and 'value="GCP refresher"' in bad.text
    future = post_form(admin_client, page + "/training", {"course": "GCP", "completed_on": "2999-01-01"}, page)
    assert future.status_code == 400 and "cannot be in the future" in future.text
    assert post_form(admin_client, page + "/training", {"course": "GCP", "completed_on": "2026-03-01"}, page).status_code == 302
    with app_session(app) as db:
        user = db.get(User, account.user.id)
        assert user.printed_name == "Dr Sara Mohammadi" and len(user.trainings) == 2


def test_sites_are_created_and_edited_with_their_code_fixed(app, admin_client):
    created = post_form(admin_client, "/admin/sites/new", {"code": "mch", "name": "Mofid Children's Hospital",
                                                           "timezone": "Asia/Tehran"}, "/admin/sites/new")
    assert created.status_code == 302
    duplicate = post_form(admin_client, "/admin/sites/new", {"code": "MCH", "name": "Again", "timezone": "Asia/Tehran"},
                          "/admin/sites/new")
    assert duplicate.status_code == 400 and 'id="code-error-1"' in duplicate.text
    with app_session(app) as db:
        site_id = db.query(Site).filter_by(code="MCH").one().id
    page = f"/admin/sites/{site_id}"
    bad_zone = post_form(admin_client, page, {"name": "Mofid", "timezone": "Mars/Olympus"}, page)
    assert bad_zone.status_code == 400 and 'id="timezone-error-1"' in bad_zone.text and 'value="Mars/Olympus"' in bad_zone.text
    assert post_form(admin_client, page, {"name": "Mofid Hospital", "timezone": "UTC", "code": "ZZZ"}, page).status_code == 302
    with app_session(app) as db:
        site = db.get(Site, site_id)
        assert (site.code, site.name, site.timezone) == ("MCH", "Mofid Hospital", "UTC")
        actions = [e.action for e in ledger_entries(db) if e.action.startswith("site.")]
    assert actions.count("site.created") >= 1 and "site.updated" in actions
