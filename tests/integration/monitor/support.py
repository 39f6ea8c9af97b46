"""Helpers shared by the monitoring tests (plain functions; the fixtures are in conftest.py)."""
from __future__ import annotations

from sqlalchemy import select

CONMEDS = ("logs", 1, "conmeds", 1)

VALID = {
    "CMTRT": "ondansetron",
    "CMDOSE_MG_DAY": "8.00",
    "CMROUTE": "IV",
    "CMSTDTC": "2026-11-02",
    "CMENDTC": None,
    "CMONGO": "Y",
}


def subject_in(session, code: str):
    from edc.models import Subject

    return session.execute(select(Subject).where(Subject.code == code)).scalar_one()


def instance_in(session, code: str, slot=CONMEDS):
    from edc.services.crf import Slot, find_instance

    return find_instance(session, subject_in(session, code), Slot(*slot))


def form_target(code: str, slot=CONMEDS):
    """Build (inside the signing session) a form-level signature target."""
    from edc.services.signatures import Target

    def build(session):
        return [Target("form", subject_in(session, code), instance=instance_in(session, code, slot))]

    return build
