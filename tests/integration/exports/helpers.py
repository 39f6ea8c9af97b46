"""Shared step of the export tests: post an export form with the token the exports page hands out."""
from __future__ import annotations

from tests.fixtures.accounts import csrf_token_from

EXPORT_URLS = {"odm": "/exports/odm", "csv": "/exports/csv", "casebook": "/exports/casebook"}


def export(client, kind: str, identifiers: str = "deidentified", subject: str | None = None):
    page = client.get("/exports/")
    assert page.status_code == 200
    data = {"csrf_token": csrf_token_from(page.data), "identifiers": identifiers}
    if subject is not None:
        data["subject"] = subject
    return client.post(EXPORT_URLS[kind], data=data)
