"""The ledger key file goes missing or becomes unusable while the app runs: every write is refused
with the operator's message (nothing is saved without its signed ledger entry), reading still
works, /health tells the load balancer that writes are refused, and restoring the file restores
writing without a restart."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from edc.models import FormInstance, LedgerEntry
from tests.fixtures.accounts import csrf_token_from

URL = "/subjects/{code}/forms/logs/1/conmeds/{n}"
VALID = {"CMTRT": "ondansetron", "CMDOSE_MG_DAY": "8.00", "CMROUTE": "IV", "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"}


@pytest.fixture
def ledger_key_file(tmp_path) -> Path:
    """A key of this test's own (the session's shared key must never be broken)."""
    from audit.keys import generate_key_file

    path = tmp_path / "keys" / "ledger-key.pem"
    path.parent.mkdir()
    generate_key_file(path)
    return path


def _moved_away(path: Path) -> None:
    path.rename(path.with_suffix(".offline"))


def _folder_in_its_place(path: Path) -> None:
    _moved_away(path)
    path.mkdir()


def _readable_by_group(path: Path) -> None:
    os.chmod(path, 0o640)


def _not_a_key(path: Path) -> None:
    _moved_away(path)
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    os.chmod(path, 0o600)


def _restore(path: Path) -> None:
    """Put the original key back, as the operator would from the offline copy."""
    offline = path.with_suffix(".offline")
    if offline.exists():
        if path.is_dir():
            path.rmdir()
        elif path.exists():
            path.unlink()
        offline.rename(path)
    os.chmod(path, 0o600)


BREAKAGES = {
    "moved away": (_moved_away, "cannot be read"),
    "a folder in its place": (_folder_in_its_place, "not a regular file"),
    "readable by the group": (_readable_by_group, "chmod 600"),
    "not a key": (_not_a_key, "not an unencrypted PEM private key"),
}


def _post(client, code: str, n: int, values: dict):
    page = client.get(URL.format(code=code, n=n))
    assert page.status_code == 200
    return client.post(URL.format(code=code, n=n), data={"csrf_token": csrf_token_from(page.data), "revision": "0",
                                                         "form_version": "1", **values})


def _counts(db) -> tuple[int, int]:
    db.expire_all()
    return (db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one(),
            db.execute(select(func.count()).select_from(FormInstance)).scalar_one())


@pytest.mark.parametrize("breakage", BREAKAGES, ids=list(BREAKAGES))
def test_a_broken_ledger_key_pauses_every_write_with_the_operator_message_while_reads_go_on(
    breakage, client, db, make_user, login, make_subject, ledger_key_file
):
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    login(client, coordinator)
    assert _post(client, subject.code, 1, VALID).status_code == 302
    assert client.get("/health").get_json()["writes"] == "ok"

    breaker, operator_words = BREAKAGES[breakage]
    breaker(ledger_key_file)
    before = _counts(db)
    refused = _post(client, subject.code, 2, {**VALID, "CMTRT": "granisetron"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 503
    assert "Saving is paused" in html and "Nothing was saved" in html and operator_words in html
    assert "Traceback" not in html
    assert _counts(db) == before, "no form row and no ledger entry without the key"

    assert client.get(URL.format(code=subject.code, n=1)).status_code == 200, "reading a saved form still works"
    assert "ondansetron" in client.get(URL.format(code=subject.code, n=1)).get_data(as_text=True)
    assert client.get(f"/subjects/{subject.code}").status_code == 200
    health = client.get("/health")
    assert health.status_code == 503
    assert health.get_json() == {"database": "ok", "ledger_head": before[0], "writes": "refused: ledger key unavailable",
                                 "status": "degraded"}

    _restore(ledger_key_file)
    assert _post(client, subject.code, 2, {**VALID, "CMTRT": "granisetron"}).status_code == 302
    assert client.get("/health").status_code == 200
    assert _counts(db) == (before[0] + 1, before[1] + 1)
