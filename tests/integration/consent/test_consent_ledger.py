"""What the ledger keeps of consent: no name, date of birth or drawing in clear, and a chain the verifier
accepts, consent-precedence rule included."""
from __future__ import annotations

import base64
from datetime import time

import pytest
from sqlalchemy import select

from tests.fixtures.accounts import csrf_token_from
from tests.integration.consent.conftest import CONSENT_DAY, GUARDIAN_NAME, TODAY, years_before
from tests.support.drawings import data_url, signature_png

WITNESS_NAME = "Witness Mahmoudi-Testperson"


def _raw_bodies(trial) -> list[bytes]:
    from edc.models import LedgerEntry

    with trial.session() as db:
        return [bytes(body) for body in db.execute(select(LedgerEntry.body).order_by(LedgerEntry.seq)).scalars()]


def _verify(trial):
    from edc.services.ledger_audit import verify_database

    with trial.session() as db:
        return verify_database(db)


def test_the_ledger_holds_no_name_birth_date_or_drawing_in_clear_and_verifies(trial, client, login):
    png = signature_png(filters=(0, 1, 2, 3, 4))
    witness_png = signature_png(filters=(1,))
    birth = years_before(CONSENT_DAY, 9)
    code = trial.new_subject()
    login(client, trial.coordinator)
    page = client.get(f"/subjects/{code}/consent/new")
    with trial.session() as db:
        trial.acting(db, trial.coordinator)
        db.commit()
    response = client.post(f"/subjects/{code}/consent/new", data={
        "csrf_token": csrf_token_from(page.data), "document_id": str(trial.guardian_document_id), "occasion": "INITIAL",
        "consent_date": CONSENT_DAY.isoformat(), "consent_time": "09:15", "child_birth_date": birth.isoformat(),
        "guardian1_name": GUARDIAN_NAME, "guardian1_relationship": "father", "guardian1_cannot_read": "y",
        "guardian1_signature": data_url(png), "witness_name": WITNESS_NAME, "witness_signature": data_url(witness_png),
        "assent_outcome": "Y", "child_signature": data_url(signature_png(filters=(3,))), "copy_given": "y",
        "password": trial.coordinator.password, "totp_code": trial.code(trial.coordinator),
    })
    assert response.status_code == 302, response.data.decode()[:3000]

    bodies = b"\n".join(_raw_bodies(trial))
    for secret in (GUARDIAN_NAME, WITNESS_NAME, birth.isoformat()):
        assert secret.encode() not in bodies
    for image in (png, witness_png):
        assert base64.b64encode(image) not in bodies
        assert base64.b64encode(image)[:200] not in bodies
        assert image[16:80] not in bodies
    (given,) = trial.ledger("consent.given")
    assert [s["capacity"] for s in given.payload["signers"]] == ["guardian", "witness", "child"]
    assert given.payload["signers"][0]["name"]["enc"] == "A256GCM"
    assert given.payload["child_birth_date"]["enc"] == "A256GCM"
    report = _verify(trial)
    assert report.ok, report.problem


def test_a_whole_pathway_verifies_including_consent_precedence(trial):
    from edc.db import transaction
    from edc.services import consent
    from edc.wiring import ledger_config

    code = trial.ready_for_enrolment()
    trial.enrol(code)
    trial.register_document("guardian", "2.0", effective=TODAY)
    trial.capture(code, document_id=_latest_guardian(trial), consent_date=TODAY, consent_time=time(0, 0), occasion="AMENDMENT")
    with trial.session() as db, transaction(db):
        consent.withdraw_consent(db, ledger_config(), trial.acting(db, trial.coordinator), trial.subject(db, code),
                                 withdrawn_on=TODAY, scope="TREATMENT_ONLY", requested_by="GUARDIAN")
    actions = [e.action for e in trial.ledger() if e.record.subject == code]
    assert actions == ["subject.registered", "consent.given", "crf.created", "eligibility.confirmed",
                       "subject.enrolled", "consent.given", "consent.withdrawn"]
    report = _verify(trial)
    assert report.ok, report.problem


def test_screening_data_written_around_the_gate_is_caught_by_the_verifier(trial):
    """A row inserted by a path that skips the gate (here: straight through the ledger adapter) shows up."""
    from audit.entry import RecordRef
    from edc.db import transaction
    from edc.services import ledger as ledger_service
    from edc.wiring import actor_for, ledger_config

    code = trial.new_subject()
    with trial.session() as db, transaction(db):
        user = trial.acting(db, trial.coordinator)
        ledger_service.append(db, ledger_config(), actor=actor_for(user, trial.subject(db, code).site_id),
                              action="crf.created", record=RecordRef(site="RAH", subject=code, form="screening",
                                                                     instance="screening.1/screening.1"),
                              payload={"form_version": 1, "revision": 1, "status": "complete", "changes": [],
                                       "derived": [], "rule_version": "screening/v1"})
    report = _verify(trial)
    assert not report.ok
    assert "before guardian permission" in report.problem


def _latest_guardian(trial) -> int:
    from edc.models import ConsentDocument

    with trial.session() as db:
        return db.execute(select(ConsentDocument.id).where(ConsentDocument.version_label == "2.0")).scalar_one()


def test_the_stored_drawing_is_checked_against_its_recorded_hash(trial):
    from edc.models import ConsentSigner
    from edc.services import consent
    from edc.services.signature_images import SignatureImageError

    code = trial.new_subject()
    trial.capture(code)
    with trial.session() as db:
        signer = db.execute(select(ConsentSigner).where(ConsentSigner.capacity == "guardian")).scalar_one()
        subject = trial.subject(db, code)
        assert consent.signer_image(db, subject, signer) == signature_png()
        signer.image_sha256 = "0" * 64
        with pytest.raises(SignatureImageError, match="does not match"):
            consent.signer_image(db, subject, signer)


def test_destroying_the_subject_key_erases_names_and_drawings_but_not_the_chain(trial):
    from edc.models import ConsentSigner
    from edc.services import consent, identifiers

    code = trial.new_subject()
    trial.capture(code)
    with trial.session() as db:
        identifiers.destroy_key(db, trial.subject(db, code))
        db.commit()
        signer = db.execute(select(ConsentSigner).where(ConsentSigner.capacity == "guardian")).scalar_one()
        subject = trial.subject(db, code)
        assert consent.signer_name(db, subject, signer) is None
        assert consent.signer_image(db, subject, signer) is None
    assert _verify(trial).ok
