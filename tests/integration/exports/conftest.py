"""A small study to export: one consented subject with a screening form saved and then changed with a
reason, a manual query (answered and closed) and an open one, an investigator's signature, an SDV
mark.  Consent is inserted directly (documents, record, guardian signer, obtainer e-signature) with
the ledger entries the consent service writes, so the verifier's consent-precedence rule holds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest

BIRTH_DATE = "2018-03-04"
FIRST_PLT = "150000"
SECOND_PLT = "180000"
CHANGE_REASON = "typed from the wrong lab sheet"


@dataclass
class Study:
    subject_code: str
    instance_ref: str
    coordinator: object
    investigator: object
    monitor: object
    site_code: str


def consent_subject(db, ledger, coordinator_user, subject) -> None:
    from audit.entry import RecordRef
    from edc.models import ConsentDocument, ConsentRecord, ConsentSigner, ESignature
    from edc.services import ledger as ledger_service
    from edc.wiring import actor_for

    now = ledger.clock()
    document = ConsentDocument(kind="guardian", version_label="1.0", language="en", ethics_reference="IR.TEST.1401.001",
                               approval_date=date(2025, 1, 1), effective_date=date(2025, 1, 1), sha256="a" * 64)
    db.add(document)
    db.flush()
    ledger_service.append(db, ledger, actor=ledger_service.SYSTEM_ACTOR, action="consent.document_registered", payload={
        "document_id": document.id, "kind": "guardian", "version_label": "1.0", "effective_date": "2025-01-01",
        "retirement_date": None, "sha256": document.sha256})
    obtainer = ESignature(signer_id=coordinator_user.id, printed_name=coordinator_user.printed_name, meaning="consent_obtained",
                          scope="consent", subject_id=subject.id, target=f"consent/{subject.code}", content_sha256="b" * 64,
                          user_signature=b"\x01" * 64, signed_at=now)
    db.add(obtainer)
    db.flush()
    record = ConsentRecord(subject_id=subject.id, document_id=document.id, consent_date=now.date(), signed_at=now,
                           guardian_count=1, obtained_by=coordinator_user.id, obtainer_signature_id=obtainer.id)
    db.add(record)
    db.flush()
    db.add(ConsentSigner(record_id=record.id, capacity="guardian", relationship_to_child="mother", signed_at=now,
                         image_media_type="image/png", image_sealed=b"", image_sha256="c" * 64))
    db.flush()
    ledger_service.append(db, ledger, actor=actor_for(coordinator_user, subject.site_id), action="consent.given",
                          record=RecordRef(site=subject.site.code, subject=subject.code),
                          payload={"document_id": document.id, "version_label": "1.0", "record_id": record.id})


@pytest.fixture
def study(app, make_site, make_user) -> Study:
    from edc.db import get_session, transaction
    from edc.models import ESignature, SdvMark
    from edc.services import crf, queries, subjects
    from edc.services.sdv import value_hash
    from edc.wiring import ledger_config

    site = make_site("RAH", "Rasool Akram Hospital")
    coordinator = make_user("coordinator", site, printed_name="Sara Coordinator")
    investigator = make_user("investigator", site, printed_name="Dr Reza Investigator")
    monitor = make_user("monitor", site, printed_name="Mina Monitor")
    with app.app_context():
        db = get_session()
        ledger = ledger_config()
        with transaction(db):
            subject = subjects.register_subject(db, ledger, coordinator.user, db.merge(site))
            consent_subject(db, ledger, coordinator.user, subject)
        slot = crf.Slot("screening", 1, "screening", 1)
        with transaction(db):
            crf.save_form(db, ledger, coordinator.user, subject, slot,
                          {"BRTHDTC": BIRTH_DATE, "SEX": "F", "PLT": FIRST_PLT, "WEIGHT_KG": "20.50", "INRG_RISK": "HIGH"},
                          {"HEIGHT_CM": "ND"})
        with transaction(db):
            result = crf.save_form(db, ledger, coordinator.user, subject, slot,
                                   {"BRTHDTC": BIRTH_DATE, "SEX": "F", "PLT": SECOND_PLT, "WEIGHT_KG": "20.50", "INRG_RISK": "HIGH"},
                                   {"HEIGHT_CM": "ND"}, reason_code="TRANSCRIPTION", reason_text=CHANGE_REASON)
        instance = result.instance
        with transaction(db):
            closed = queries.open_query(db, ledger, monitor.user, subject, instance, "PLT", "Please confirm the platelet count.")
            queries.answer_query(db, ledger, investigator.user, subject, closed, "Confirmed against the lab report.")
            queries.close_query(db, ledger, monitor.user, subject, closed, "Resolved.")
            queries.open_query(db, ledger, monitor.user, subject, instance, "WEIGHT_KG", "Weight from which visit?")
        with transaction(db):
            db.add(SdvMark(instance_id=instance.id, field="SEX", value_sha256=value_hash("SEX", "F", None),
                           verified_by=monitor.user.id, verified_at=ledger.clock(), current=True))
            db.add(ESignature(signer_id=investigator.user.id, printed_name="Dr Reza Investigator", meaning="approval",
                              scope="form", subject_id=subject.id, instance_id=instance.id, target=instance.ref,
                              content_sha256="d" * 64, user_signature=b"\x02" * 64,
                              signed_at=datetime(2026, 2, 3, 8, 30, tzinfo=timezone.utc)))
        return Study(subject.code, instance.ref, coordinator, investigator, monitor, site.code)
