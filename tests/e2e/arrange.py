"""Prerequisites of a browser story arranged through the services (each has its own tests), so that every
story drives only its own steps through the pages.  Accounts are made on first use."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Callable

import pyotp

from tests.fixtures.accounts import Account, app_session
from tests.support.cases import CONSENT_DAY, TODAY, eligible_screening, years_before

CHILD_AGE = 6
"""Arranged subjects are below the assent age, so the guardian's permission alone is valid."""


def days_ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


COURSE = {"CHEMO_NO": "1", "REGIMEN": "Topotecan + cyclophosphamide", "CHEMO_STDT": days_ago(14), "CHEMO_ENDT": days_ago(10)}
PRODUCT = {
    "DONOR_ID": "D-001", "DONOR_REL": "HAPLO_PARENT", "DONOR_HIV": "NEG", "DONOR_HBSAG": "NEG",
    "DONOR_ANTIHBC": "NEG", "DONOR_HCV": "NEG", "DONOR_HTLV": "NEG", "DONOR_SYPHILIS": "NEG", "DONOR_CMV": "NEG",
    "LOT_NO": "L-26-01", "BAG_NO": "1", "STOR_TEMP_C": "-150", "STOR_START_DT": days_ago(40),
    "QC_STERILITY": "NEG", "QC_GRAM": "NEG", "QC_ENDOTOX": "0.5", "QC_MYCO": "NEG", "QC_VIAB_POSTTHAW": "85",
    "QC_PURITY_NK": "92", "TNC": "400000000", "QC_CD3_PCT": "0.2", "RECIPIENT_WEIGHT_KG": "20",
    "QC_CD19_PER_KG": "5000", "QC_POTENCY": "45", "QC_ID_MATCH": "Y",
}
INFUSION_DAY = days_ago(2)
INFUSION = {
    "INF_NO": "1", "INF_DT": INFUSION_DAY, "WEIGHT_KG": "20", "WEIGHT_DT": days_ago(3), "DOSE_ACTUAL": "100000000",
    "THAW_DTC": f"{INFUSION_DAY} 09:00", "INF_START_DTC": f"{INFUSION_DAY} 09:30", "INF_END_DTC": f"{INFUSION_DAY} 10:00",
    "PREMED": "paracetamol 300 mg", "PREMED_STEROID": "N", "INF_INTERRUPTED": "N",
    **{f"VS_{tp}_{m}": v for tp in ("PRE", "15MIN", "END", "1H", "4H")
       for m, v in (("TEMP_C", "36.8"), ("HR", "100"), ("SBP", "105"), ("DBP", "65"), ("RR", "20"), ("SPO2", "98"))},
}
BASELINE = {  # the day before the first chemotherapy course: the baseline every response is measured against
    "ASSESS_DT": days_ago(15), "ASSESS_TYPE": "BASELINE", "MIBG_DONE": "Y", "MIBG_DT": days_ago(15),
    "MIBG_SCORE_METHOD": "CURIE", "CTMRI_DONE": "Y", "CTMRI_DT": days_ago(15), "PET_DONE": "N", "BM_DONE": "Y",
    "BM_DT": days_ago(15), "PRIM_PRESENT": "Y", "PRIM_LD_MM": "50", "MET_PRESENT": "N", "NEW_LESION": "N",
    "BM_PCT": "0", "BM_ADEQUATE": "Y", **{f"CURIE_SEG{i}": "0" for i in range(1, 11)},
}


@dataclass
class Study:
    """One site (RAH) with its team; ``subject`` and the other helpers act through the services."""

    app: Any
    make_user: Callable[..., Account]
    make_site: Callable[..., Any]
    make_subject: Callable[..., Any]
    forget_last_code: Callable[[int], None]
    documents: dict[str, int] = field(default_factory=dict)

    @cached_property
    def site(self):
        return self.make_site("RAH", "Rasoul Akram Hospital")

    def _user(self, role: str, printed_name: str) -> Account:
        return self.make_user(role, site=self.site if role in ("investigator", "coordinator", "monitor") else None,
                              printed_name=printed_name)

    @cached_property
    def investigator(self) -> Account:
        return self._user("investigator", "Dr Parisa Investigator")

    @cached_property
    def coordinator(self) -> Account:
        return self._user("coordinator", "Sara Coordinator")

    @cached_property
    def monitor(self) -> Account:
        return self._user("monitor", "Mina Monitor")

    @cached_property
    def data_manager(self) -> Account:
        return self._user("data_manager", "Dara Datamanager")

    @cached_property
    def auditor(self) -> Account:
        return self._user("auditor", "Arash Auditor")

    def session(self):
        return app_session(self.app)

    def code_for(self, account: Account) -> str:
        """A TOTP code the account may use once more (its last used step is forgotten)."""
        self.forget_last_code(account.user.id)
        return pyotp.TOTP(account.totp_secret).now()

    def register_documents(self, *kinds: str) -> None:
        """Approved consent documents in force since 2024 (guardian permission 1.0, child assent A1.0)."""
        from edc.db import transaction
        from edc.models import User
        from edc.services import consent
        from edc.wiring import ledger_config

        labels = {"guardian": "1.0", "assent": "A1.0"}
        manager = self.data_manager  # made before a session opens: SQLite allows one writer at a time
        for kind in kinds:
            if kind in self.documents:
                continue
            with self.session() as db, transaction(db):
                document, _ = consent.register_document(db, ledger_config(), db.get(User, manager.user.id), consent.DocumentInput(
                    kind=kind, version_label=labels[kind], language="fa", ethics_reference="IR.ACECR.ROYAN.REC.1400.032",
                    approval_date=date(2024, 1, 1), effective_date=date(2024, 1, 1),
                    content=f"{kind} consent form version {labels[kind]}".encode(), content_type="text/plain",
                ))
                self.documents[kind] = document.id

    def subject(self) -> str:
        """A subject registered and consented by the coordinator (guardian permission, no assent due)."""
        self.register_documents("guardian")
        return self.make_subject(self.coordinator, age_years=CHILD_AGE).code

    def screening(self) -> dict[str, str | None]:
        return eligible_screening(CONSENT_DAY, birth=years_before(CONSENT_DAY, CHILD_AGE))

    def save(self, code: str, event_key: str, form_key: str, data: dict, *, event_repeat: int = 1, repeat_no: int = 1,
             by: Account | None = None) -> int:
        """Save a form as the coordinator (or ``by``); returns the instance id."""
        from edc.db import transaction
        from edc.models import User
        from edc.services import crf
        from edc.wiring import ledger_config

        account = by or self.coordinator
        with self.session() as db, transaction(db):
            result = crf.save_form(db, ledger_config(), db.get(User, account.user.id), self._subject(db, code),
                                   crf.Slot(event_key, event_repeat, form_key, repeat_no), data)
            return result.instance.id

    def confirm_eligibility(self, code: str) -> None:
        from edc.db import transaction
        from edc.models import User
        from edc.services import eligibility
        from edc.wiring import ledger_config

        totp = self.code_for(self.investigator)
        with self.session() as db, transaction(db):
            eligibility.confirm_eligibility(db, ledger_config(), db.get(User, self.investigator.user.id), self._subject(db, code),
                                            password=self.investigator.password, totp_code=totp, lockout_threshold=5)
        self.forget_last_code(self.investigator.user.id)

    def enrol(self, code: str, arm: str) -> None:
        from edc.db import transaction
        from edc.models import User
        from edc.services import enrolment
        from edc.wiring import ledger_config

        investigator = self.investigator
        with self.session() as db, transaction(db):
            enrolment.enrol_subject(db, ledger_config(), db.get(User, investigator.user.id), self._subject(db, code),
                                    arm=arm, basis_code="NK_PRODUCT_AVAILABLE" if arm == "NK" else "NK_PRODUCT_UNAVAILABLE",
                                    basis_text="Arranged for a browser story")

    def eligible_subject(self) -> str:
        code = self.subject()
        self.save(code, "screening", "screening", self.screening())
        return code

    def enrolled_subject(self, arm: str = "NK") -> str:
        code = self.eligible_subject()
        self.confirm_eligibility(code)
        self.enrol(code, arm)
        return code

    def open_query(self, instance_id: int, field_name: str | None, text: str) -> int:
        from edc.db import transaction
        from edc.models import FormInstance, Subject, User
        from edc.services import queries
        from edc.wiring import ledger_config

        monitor = self.monitor
        with self.session() as db, transaction(db):
            instance = db.get(FormInstance, instance_id)
            return queries.open_query(db, ledger_config(), db.get(User, monitor.user.id), db.get(Subject, instance.subject_id),
                                      instance, field_name, text).id

    def row(self, model, **where):
        """One row read fresh from the database (for assertions after a browser step)."""
        from sqlalchemy import select

        with self.session() as db:
            statement = select(model)
            for name, value in where.items():
                statement = statement.where(getattr(model, name) == value)
            found = db.execute(statement).scalars().all()
            db.expunge_all()
            return found

    def ledger(self, action: str | None = None) -> list:
        from tests.fixtures.accounts import ledger_entries

        with self.session() as db:
            return ledger_entries(db, action)

    @staticmethod
    def _subject(db, code: str):
        from sqlalchemy import select

        from edc.models import Subject

        return db.execute(select(Subject).where(Subject.code == code)).scalar_one()
