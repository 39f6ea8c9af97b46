"""Accounts in a real browser: the administrator sets up a user, and a coordinator logs in for the first time."""
from __future__ import annotations

import re
from datetime import date

import pyotp
from playwright.sync_api import expect

from edc.models import User
from tests.e2e.pages import log_in, shoot


def test_an_administrator_creates_a_user_assigns_a_role_and_records_training(study, new_page, shots, forget_last_code):
    admin = study.make_user("admin", printed_name="Ali Administrator")
    assert study.site.code == "RAH"
    study.make_site("TUMS", "Tehran University Children's Hospital")
    page = new_page()
    log_in(page, admin, forget_last_code)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="New user").click()
    page.get_by_label("Username").fill("nazanin.coord")
    page.get_by_label("Full printed name").fill("Nazanin Karimi")
    page.get_by_label("E-mail").fill("nazanin@hospital.example")
    page.get_by_label("Role").select_option(label="Study coordinator")
    page.get_by_label("Site").select_option(label="RAH - Rasoul Akram Hospital")
    shoot(page, shots, "01-new-user")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("heading", name="Account created")).to_be_visible()
    temporary = page.locator("#temporary-password").inner_text().strip()
    assert len(temporary) >= 12
    page.get_by_role("link", name="Back to nazanin.coord").click()

    expect(page.get_by_role("heading", name="Nazanin Karimi")).to_be_visible()
    roles = page.get_by_role("region", name="Roles")
    roles.get_by_label("Role").select_option(label="Study coordinator")
    roles.get_by_label("Site").select_option(label="TUMS - Tehran University Children's Hospital")
    roles.get_by_role("button", name="Assign role").click()
    expect(page.get_by_role("status").filter(has_text="Role assigned.")).to_be_visible()

    training = page.get_by_role("region", name="Training")
    training.get_by_label("Course").fill("NCT06674265 protocol v2 and EDC user training")
    training.get_by_label("Completed on").fill("2026-11-20")
    training.get_by_label("Notes").fill("Face-to-face session with the sponsor")
    training.get_by_role("button", name="Record training").click()
    expect(page.get_by_role("status").filter(has_text="Training recorded.")).to_be_visible()
    expect(training).to_contain_text("NCT06674265 protocol v2 and EDC user training, completed 2026-11-20")
    role_rows = page.get_by_role("region", name="Roles").get_by_role("row")
    expect(role_rows.filter(has_text="RAH")).to_contain_text("active")
    expect(role_rows.filter(has_text="TUMS")).to_contain_text("active")
    shoot(page, shots, "02-user-page")

    page.get_by_role("link", name="All users").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="nazanin.coord"))
    expect(row).to_contain_text("Study coordinator (RAH), Study coordinator (TUMS)")
    expect(row).to_contain_text("not enrolled")
    expect(row).to_contain_text("1 record")
    expect(row).to_contain_text("pending")

    [user] = study.row(User, username="nazanin.coord")
    assert user.must_change_password and not user.totp_confirmed
    recorded = [(entry.action, entry.actor.name) for entry in study.ledger() if entry.payload.get("target_username") == "nazanin.coord"]
    assert [action for action, _ in recorded if action != "account.signing_key_issued"] == [
        "account.created", "account.role_assigned", "account.role_assigned", "account.training_recorded"]
    assert {name for _, name in recorded} == {"Ali Administrator"}


def test_a_coordinator_s_first_login_enrols_the_authenticator_and_accepts_the_attestation(study, new_page, shots):
    from edc.db import transaction
    from edc.services import accounts
    from edc.wiring import ledger_config

    with study.session() as db, transaction(db):
        user, temporary = accounts.create_user(db, ledger_config(), None, username="reza.coord", printed_name="Reza Rahimi",
                                               email="reza@hospital.example", role="coordinator", site=db.merge(study.site))
        accounts.record_training(db, ledger_config(), None, user, course="Protocol and EDC training", completed_on=date(2026, 11, 1))
    page = new_page()

    page.goto("/login")
    page.get_by_label("Username").fill("reza.coord")
    page.get_by_label("Password").fill(temporary)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Set up your authenticator")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code holding your authenticator key"))).to_be_visible()
    secret = page.get_by_label("Authenticator key").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{16,}", secret), secret
    shoot(page, shots, "01-enrol-authenticator")
    page.get_by_label("6-digit code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) >= 8 and len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z0-9]{4}(-[a-z0-9]{4})+", code) for code in codes), codes
    shoot(page, shots, "02-recovery-codes")
    page.get_by_role("link", name="I have kept my codes - continue").click()

    expect(page.get_by_role("heading", name="Change password")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="You must choose a new password")).to_be_visible()
    new_password = "Tablet-Ward-7-Pomegranate"
    page.get_by_label("Current password").fill(temporary)
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("New password again").fill(new_password)
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("heading", name="E-signature attestation")).to_be_visible()
    page.get_by_label("I accept this statement").check()
    page.get_by_role("button", name="Accept").click()

    expect(page.get_by_role("status").filter(has_text="your attestation is recorded")).to_be_visible()
    expect(page.get_by_role("heading", name="Welcome, Reza Rahimi")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("Reza Rahimi · Study coordinator")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Subjects")).to_be_visible()
    shoot(page, shots, "03-home")

    [stored] = study.row(User, username="reza.coord")
    assert stored.totp_confirmed and not stored.must_change_password and stored.attestation_accepted_at is not None
    mine = [entry for entry in study.ledger() if entry.payload.get("target_username") == "reza.coord"]
    assert [e.payload.get("second_factor") for e in mine if e.action == "auth.login_succeeded"] == ["totp_enrolment"]
    assert {"account.totp_enrolled", "account.password_changed", "account.attestation_accepted"} <= {e.action for e in mine}
