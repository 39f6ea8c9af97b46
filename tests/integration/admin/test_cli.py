"""``edc users`` and ``edc sites`` from the command line (actor: the operator)."""
from __future__ import annotations

import re

import pytest

from edc.cli import main
from edc.models import User
from tests.fixtures.accounts import app_session, ledger_entries, submit_password


def run(runner, *args, input=None):
    return runner.invoke(main, list(args), input=input)


def test_sites_create_and_list(app, runner):
    created = run(runner, "sites", "create", "--code", "rah", "--name", "Rasool Akram Hospital", "--timezone", "Asia/Tehran")
    assert created.exit_code == 0, created.output
    assert "created site RAH" in created.output
    listing = run(runner, "sites", "list")
    assert re.search(r"RAH\s+Rasool Akram Hospital\s+Asia/Tehran", listing.output)
    duplicate = run(runner, "sites", "create", "--code", "RAH", "--name", "Again")
    assert duplicate.exit_code != 0 and "already used" in duplicate.output
    with app_session(app) as db:
        created_entries = ledger_entries(db, "site.created")
    assert created_entries[0].actor.name == "EDC operator (command line)" and created_entries[0].actor.user_id is None


def test_users_create_prints_a_temporary_password_once_that_logs_in(app, runner, client):
    run(runner, "sites", "create", "--code", "RAH", "--name", "Rasool Akram Hospital")
    created = run(runner, "users", "create", "--username", "sara", "--name", "Dr Sara Rahimi", "--email", "sara@h.example",
                  "--role", "investigator", "--site", "RAH")
    assert created.exit_code == 0, created.output
    temporary = re.search(r"temporary password \(shown once, must be changed at first login\): (\S+)", created.output).group(1)
    assert submit_password(client, "sara", temporary).headers["Location"].endswith("/login/enrol")
    listing = run(runner, "users", "list")
    assert re.search(r"sara\s+Dr Sara Rahimi\s+investigator@RAH\s+active\s+no\s+no\s+no", listing.output)
    assert temporary not in listing.output


def test_users_create_reads_the_password_from_stdin_and_enforces_the_policy(app, runner, client):
    weak = run(runner, "users", "create", "--username", "ali", "--name", "Ali", "--email", "ali@h.example",
               "--role", "auditor", "--password-stdin", input="ali-is-short\n")
    assert weak.exit_code != 0 and "username" in weak.output
    good = run(runner, "users", "create", "--username", "ali", "--name", "Ali Karimi", "--email", "ali@h.example",
               "--role", "auditor", "--password-stdin", input="A-long-enough-secret\n")
    assert good.exit_code == 0 and "A-long-enough-secret" not in good.output
    assert submit_password(client, "ali", "A-long-enough-secret").status_code == 302


@pytest.mark.parametrize(
    "args",
    [("--role", "coordinator"), ("--role", "admin", "--site", "RAH"), ("--role", "wizard")],
    ids=["site-role-without-site", "study-wide-role-with-site", "unknown-role"],
)
def test_users_create_refuses_a_role_and_site_mismatch(app, runner, args):
    run(runner, "sites", "create", "--code", "RAH", "--name", "Rasool Akram Hospital")
    result = run(runner, "users", "create", "--username", "omid", "--name", "Omid", "--email", "o@h.example", *args)
    assert result.exit_code != 0
    with app_session(app) as db:
        assert db.query(User).filter_by(username="omid").count() == 0


def test_users_unlock_and_deactivate(app, runner, make_user, client):
    account = make_user("auditor", username="mina")
    for attempt in range(5):
        submit_password(client, "mina", f"wrong-{attempt}")
    assert "locked" in run(runner, "users", "list").output
    unlocked = run(runner, "users", "unlock", "mina")
    assert unlocked.exit_code == 0 and "unlocked mina" in unlocked.output
    assert run(runner, "users", "unlock", "mina").exit_code != 0, "unlocking an unlocked account is refused"
    assert submit_password(client, "mina", account.password).status_code == 302
    deactivated = run(runner, "users", "deactivate", "mina", "--reason", "left")
    assert deactivated.exit_code == 0
    assert re.search(r"mina\s.*deactivated", run(runner, "users", "list").output)
    assert run(runner, "users", "unlock", "nobody").exit_code != 0
    with app_session(app) as db:
        assert ledger_entries(db, "account.unlocked")[0].actor.role == "system"
        assert ledger_entries(db, "account.deactivated")[0].reason == "left"


def test_users_record_training_makes_a_bootstrap_admin_usable(app, runner):
    run(runner, "users", "create", "--username", "root-admin", "--name", "First Admin", "--email", "a@h.example", "--role", "admin")
    result = run(runner, "users", "record-training", "root-admin", "--course", "EDC administration", "--completed-on", "2026-01-05")
    assert result.exit_code == 0, result.output
    with app_session(app) as db:
        admin = db.query(User).filter_by(username="root-admin").one()
        assert [t.course for t in admin.trainings] == ["EDC administration"]
