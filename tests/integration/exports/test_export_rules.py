"""Rules every export follows: it is ledgered with the file's SHA-256, identifiers leave only for roles
allowed to see them (de-identified and pseudonymised options), and roles without export.data get 403."""
from __future__ import annotations

import hashlib
import io
import re
import zipfile

import pytest

from tests.fixtures.accounts import csrf_token_from, ledger_entries
from tests.integration.exports.conftest import BIRTH_DATE
from tests.integration.exports.helpers import export

KINDS = ("odm", "csv", "casebook")


def text_of(kind: str, data: bytes) -> str:
    if kind == "csv":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    return data.decode("utf-8")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("role", ["data_manager", "auditor"])
def test_every_export_is_ledgered_with_who_what_and_the_files_sha256(study, make_user, login, client, db, kind, role):
    account = make_user(role)
    login(client, account)
    response = export(client, kind, subject=study.subject_code if kind == "casebook" else None)
    assert response.status_code == 200
    entry = ledger_entries(db, f"export.{kind}")[-1]
    assert entry.payload["sha256"] == hashlib.sha256(response.data).hexdigest() == response.headers["X-Content-SHA256"]
    assert entry.payload["bytes"] == len(response.data)
    assert entry.payload["identifiers"] == "deidentified"
    assert entry.actor.user_id == account.user.id and entry.actor.role == role
    assert entry.payload["filename"] in response.headers["Content-Disposition"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_deidentified_export_contains_no_identifier_value(study, make_user, login, client, kind):
    login(client, make_user("data_manager"))
    text = text_of(kind, export(client, kind, "deidentified", subject=study.subject_code if kind == "casebook" else None).data)
    assert BIRTH_DATE not in text
    assert not re.search(r"\b2018\b", text), "not even the birth year (hashes may contain the digits, hence the word boundaries)"
    assert "PSEUDO-" not in text


@pytest.mark.parametrize("kind", KINDS)
def test_a_pseudonymised_export_replaces_identifiers_by_a_keyed_token(study, make_user, login, client, kind):
    login(client, make_user("auditor"))
    text = text_of(kind, export(client, kind, "pseudonymised", subject=study.subject_code if kind == "casebook" else None).data)
    assert BIRTH_DATE not in text
    assert re.search(r"PSEUDO-[0-9a-f]{16}", text)


@pytest.mark.parametrize("kind", KINDS)
def test_identified_exports_carry_identifiers_only_for_roles_with_export_identified(study, make_user, login, client, db, kind):
    subject = study.subject_code if kind == "casebook" else None
    login(client, make_user("auditor"))
    before = len(ledger_entries(db, f"export.{kind}"))
    assert export(client, kind, "identified", subject=subject).status_code == 403
    assert len(ledger_entries(db, f"export.{kind}")) == before
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/exports/").data)})
    login(client, make_user("data_manager"))
    assert BIRTH_DATE in text_of(kind, export(client, kind, "identified", subject=subject).data)


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "admin"])
def test_roles_without_export_data_are_refused(study, make_user, login, client, role):
    login(client, make_user(role))
    assert client.get("/exports/").status_code == 403
    token = csrf_token_from(client.get("/").data)
    for url in ("/exports/odm", "/exports/csv", "/exports/casebook"):
        assert client.post(url, data={"csrf_token": token, "subject": study.subject_code}).status_code == 403


def test_the_exports_page_offers_identified_exports_only_to_roles_that_may_have_them(study, make_user, login, client):
    login(client, make_user("auditor"))
    page = client.get("/exports/").data.decode()
    assert 'value="deidentified"' in page and 'value="identified"' not in page
