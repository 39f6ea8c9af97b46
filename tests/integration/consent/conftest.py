"""A trial at one site (investigator, coordinator, monitor, data manager) and the steps a subject goes
through - registration, consent, screening, confirmation, enrolment - each done through its service in
its own transaction, exactly as the views call them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import pyotp
import pytest

from tests.fixtures.accounts import Account, app_session
from tests.support.cases import CONSENT_DAY, TODAY, eligible_screening, years_before
from tests.support.drawings import SIGNATURE_SVG, signature_png

GUARDIAN_NAME = "Zahra Hosseini-Testmother"


@pytest.fixture
def app(app):
    """The app with the consent blueprint (registered here too until the lead wires it into create_app)."""
    from edc.consent.routes import bp

    if "consent" not in app.blueprints:
        app.register_blueprint(bp)
    return app


@dataclass
class Trial:
    app: Any
    investigator: Account
    coordinator: Account
    monitor: Account
    data_manager: Account
    guardian_document_id: int | None = None
    assent_document_id: int | None = None
    params: Any = None
    documents: dict[str, int] = field(default_factory=dict)

    def session(self):
        return app_session(self.app)

    def acting(self, db, account: Account):
        """The account's user in ``db``, free to use the current authenticator code once more."""
        from edc.models import User

        user = db.get(User, account.user.id)
        user.totp_last_step = None
        db.flush()
        return user

    @staticmethod
    def code(account: Account) -> str:
        return pyotp.TOTP(account.totp_secret).now()

    def subject(self, db, code: str):
        from sqlalchemy import select

        from edc.models import Subject

        return db.execute(select(Subject).where(Subject.code == code)).scalar_one()

    def register_document(self, kind: str = "guardian", version: str = "1.0", effective: date = date(2024, 1, 1),
                          retirement: date | None = None, items: tuple[str, ...] = (), language: str = "fa") -> int:
        from edc.db import transaction
        from edc.services import consent
        from edc.wiring import ledger_config

        with self.session() as db, transaction(db):
            document, _ = consent.register_document(db, ledger_config(), self.acting(db, self.data_manager), consent.DocumentInput(
                kind=kind, version_label=version, language=language, ethics_reference="IR.ACECR.ROYAN.REC.1400.032",
                approval_date=min(effective, date(2024, 1, 1)), effective_date=effective, retirement_date=retirement,
                content=f"{kind} consent form version {version}".encode(), content_type="text/plain", optional_items=list(items),
            ))
            return document.id

    def standard_documents(self) -> None:
        self.guardian_document_id = self.register_document("guardian", "1.0")
        self.assent_document_id = self.register_document("assent", "A1.0")

    def new_subject(self) -> str:
        from edc.db import transaction
        from edc.models import Site
        from edc.services import subjects
        from edc.wiring import ledger_config

        with self.session() as db, transaction(db):
            user = self.acting(db, self.coordinator)
            site = db.get(Site, next(r.site_id for r in user.roles if r.site_id))
            return subjects.register_subject(db, ledger_config(), user, site).code

    def capture(self, code: str, *, by: Account | None = None, params=None, **overrides) -> Any:
        """Guardian permission through the service; ``overrides`` replace ConsentCapture fields."""
        from edc.db import transaction
        from edc.services import consent
        from edc.services.signature_images import validate
        from edc.wiring import ledger_config

        png = validate(signature_png(), "image/png")
        values = dict(
            document_id=self.guardian_document_id, consent_date=CONSENT_DAY, consent_time=time(10, 30),
            child_birth_date=years_before(CONSENT_DAY, 8),
            guardians=[consent.SignerInput(name=GUARDIAN_NAME, signature=png, relationship="mother")],
            assent_outcome="Y", child=consent.SignerInput(name=None, signature=validate(SIGNATURE_SVG.encode(), "image/svg+xml")),
            copy_given=True,
        )
        values.update(overrides)
        account = by or self.coordinator
        with self.session() as db, transaction(db):
            user = self.acting(db, account)
            result = consent.capture_consent(
                db, ledger_config(), user, self.subject(db, code), consent.ConsentCapture(**values),
                password=account.password, totp_code=self.code(account), lockout_threshold=5,
                **({"params": params or self.params} if (params or self.params) else {}),
            )
            return result.record.id

    def save(self, code: str, form_key: str, data: dict, *, event_key: str | None = None, repeat: int = 1,
             reason: tuple[str, str] | None = None, by: Account | None = None):
        from edc.db import transaction
        from edc.services import crf
        from edc.wiring import ledger_config

        event_key = event_key or ("logs" if form_key in ("conmeds", "adverse_event") else "screening")
        with self.session() as db, transaction(db):
            result = crf.save_form(
                db, ledger_config(), self.acting(db, by or self.coordinator), self.subject(db, code),
                crf.Slot(event_key, 1, form_key, repeat), data,
                reason_code=reason[0] if reason else None, reason_text=reason[1] if reason else None,
            )
            return result.instance.id

    def confirm(self, code: str) -> int:
        from edc.db import transaction
        from edc.services import eligibility
        from edc.wiring import ledger_config

        with self.session() as db, transaction(db):
            signature = eligibility.confirm_eligibility(
                db, ledger_config(), self.acting(db, self.investigator), self.subject(db, code),
                password=self.investigator.password, totp_code=self.code(self.investigator), lockout_threshold=5,
            )
            return signature.id

    def enrol(self, code: str, arm: str = "NK", params=None):
        from edc.db import transaction
        from edc.services import enrolment
        from edc.wiring import ledger_config

        with self.session() as db, transaction(db):
            kwargs = {"params": params or self.params} if (params or self.params) else {}
            enrolment.enrol_subject(db, ledger_config(), self.acting(db, self.investigator), self.subject(db, code),
                                    arm=arm, basis_code="NK_PRODUCT_AVAILABLE",
                                    basis_text="Haploidentical donor available; product manufactured", **kwargs)

    def ready_for_enrolment(self) -> str:
        code = self.new_subject()
        self.capture(code)
        self.save(code, "screening", eligible_screening())
        self.confirm(code)
        return code

    def ledger(self, action: str | None = None) -> list:
        from tests.fixtures.accounts import ledger_entries

        with self.session() as db:
            return ledger_entries(db, action)


@pytest.fixture
def trial(app, make_user, make_site) -> Trial:
    site = make_site("RAH", "Rasoul Akram Hospital")
    built = Trial(
        app=app,
        investigator=make_user("investigator", site=site, printed_name="Dr Investigator Test"),
        coordinator=make_user("coordinator", site=site, printed_name="Coordinator Test"),
        monitor=make_user("monitor", site=site),
        data_manager=make_user("data_manager"),
    )
    built.standard_documents()
    return built


@pytest.fixture
def two_guardians():
    from config.protocol import REGISTRY

    return REGISTRY.with_overrides({"guardians_required": 2})


