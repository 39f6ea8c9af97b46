"""A small study to export: one subject consented through the consent service, with a screening form
saved and then changed with a reason, a manual query (answered and closed) and an open one, an
investigator's signature and an SDV mark (the last two inserted directly with fixed values).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

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


@pytest.fixture
def study(app, make_site, make_user, make_subject) -> Study:
    from edc.db import get_session, transaction
    from edc.models import ESignature, SdvMark, Subject
    from sqlalchemy import select

    from edc.services import crf, queries
    from edc.services.sdv import value_hash
    from edc.wiring import ledger_config

    site = make_site("RAH", "Rasool Akram Hospital")
    coordinator = make_user("coordinator", site, printed_name="Sara Coordinator")
    investigator = make_user("investigator", site, printed_name="Dr Reza Investigator")
    monitor = make_user("monitor", site, printed_name="Mina Monitor")
    code = make_subject(coordinator).code
    with app.app_context():
        db = get_session()
        ledger = ledger_config()
        subject = db.execute(select(Subject).where(Subject.code == code)).scalar_one()
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
