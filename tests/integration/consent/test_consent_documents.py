"""Data managers register and retire approved consent and assent document versions."""
from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta

import pytest

from tests.fixtures.accounts import csrf_token_from
from tests.integration.consent.conftest import CONSENT_DAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _register(client, **fields):
    page = client.get("/consent/documents")
    data = {"csrf_token": csrf_token_from(page.data), "kind": "guardian", "version_label": "3.0", "language": "fa",
            "ethics_reference": "IR.ACECR.ROYAN.REC.1400.032", "approval_date": "2025-06-01",
            "effective_date": "2025-07-01", "optional_items": "Future use of samples\nKIR testing",
            "document_file": (io.BytesIO(PDF), "icf-3.0.pdf")}
    data.update(fields)
    if data["document_file"] is None:
        data["document_file"] = (io.BytesIO(b""), "")
    elif data["document_file"] == "docx":
        data["document_file"] = (io.BytesIO(b"PK\x03\x04 word"), "icf-3.0.docx")
    return client.post("/consent/documents", data=data, content_type="multipart/form-data")


def test_a_data_manager_registers_a_pdf_version_identified_by_its_sha256(trial, client, login):
    from edc.models import ConsentDocument

    login(client, trial.data_manager)
    response = _register(client)
    assert response.status_code == 302
    with trial.session() as db:
        document = db.query(ConsentDocument).filter_by(version_label="3.0").one()
        assert document.sha256 == hashlib.sha256(PDF).hexdigest()
        assert document.optional_items.splitlines() == ["Future use of samples", "KIR testing"]
        document_id = document.id
    entry = trial.ledger("consent.document_registered")[-1]
    assert entry.payload["document_id"] == document_id
    assert {k: entry.payload[k] for k in ("kind", "version_label", "effective_date", "retirement_date", "sha256")} == {
        "kind": "guardian", "version_label": "3.0", "effective_date": "2025-07-01", "retirement_date": None,
        "sha256": hashlib.sha256(PDF).hexdigest()}
    served = client.get(f"/consent/documents/{document_id}/file")
    assert served.data == PDF and served.headers["X-Document-SHA256"] == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize("reference, warned", [
    ("IR.ACECR.ROYAN.REC.1400.032", None),
    ("IR.TUMS.REC.1402.7", "differs from this trial"),
    ("REC-2021/32", "does not have the national format"),
])
def test_an_unusual_ethics_reference_is_a_warning_not_a_refusal(trial, client, login, reference, warned):
    login(client, trial.data_manager)
    response = _register(client, ethics_reference=reference)
    assert response.status_code == 302
    page = client.get("/consent/documents").data.decode()
    assert "version 3.0 registered" in page
    if warned:
        assert warned in page
    else:
        assert "differs from" not in page and "national format" not in page


@pytest.mark.parametrize("fields, message", [
    ({"effective_date": "2025-05-01"}, "effective date cannot be before the ethics approval date"),
    ({"retirement_date": "2025-07-01"}, "retirement date must be after the effective date"),
    ({"document_file": None}, "Upload the approved document"),
    ({"document_file": "docx"}, "as PDF, or paste its text"),
    ({"version_label": "1.0"}, "already registered"),
])
def test_a_document_with_impossible_details_is_refused(trial, client, login, fields, message):
    login(client, trial.data_manager)
    response = _register(client, **fields)
    assert response.status_code == 422
    assert message in response.data.decode()


def test_site_staff_cannot_manage_consent_documents(trial, client, login):
    login(client, trial.investigator)
    assert client.get("/consent/documents").status_code == 403
    token = csrf_token_from(client.get("/").data)
    assert client.post("/consent/documents", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/consent/documents/{trial.guardian_document_id}/retire", data={"csrf_token": token}).status_code == 403


def test_retiring_a_version_is_ledgered_and_cannot_cut_off_consent_already_given(trial):
    from edc.db import transaction
    from edc.models import ConsentDocument
    from edc.services import consent
    from edc.wiring import ledger_config

    code = trial.new_subject()
    trial.capture(code)
    with pytest.raises(consent.ConsentRefused, match="retire it after that date"):
        with trial.session() as db, transaction(db):
            consent.retire_document(db, ledger_config(), trial.acting(db, trial.data_manager),
                                    db.get(ConsentDocument, trial.guardian_document_id), CONSENT_DAY, "Amendment 2")
    retired_on = CONSENT_DAY + timedelta(days=1)
    with trial.session() as db, transaction(db):
        consent.retire_document(db, ledger_config(), trial.acting(db, trial.data_manager),
                                db.get(ConsentDocument, trial.guardian_document_id), retired_on, "Amendment 2")
    (retired,) = trial.ledger("consent.document_retired")
    assert retired.payload == {"document_id": trial.guardian_document_id, "kind": "guardian", "version_label": "1.0",
                               "retirement_date": retired_on.isoformat()}
    assert retired.reason == "Amendment 2"


def test_the_consent_documents_page_lists_versions_for_data_managers(trial, client, login):
    login(client, trial.data_manager)
    page = client.get("/consent/documents").data.decode()
    assert "Guardian permission" in page and "Child assent" in page and "A1.0" in page
    assert date(2024, 1, 1).isoformat() in page
