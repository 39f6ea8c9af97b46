"""Monitoring fixtures: a site team, service calls as a given user, and data entry on the
concomitant-medication log (a small real form).  Subjects come with guardian permission from
``tests.fixtures.study.make_subject``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pyotp
import pytest
from sqlalchemy import update

from tests.fixtures.accounts import Account, app_session
from tests.integration.monitor.support import CONMEDS, subject_in


@dataclass
class Team:
    coordinator: Account
    investigator: Account
    monitor: Account
    data_manager: Account
    auditor: Account


@pytest.fixture
def team(make_site, make_user) -> Team:
    site = make_site("RAH")
    return Team(
        coordinator=make_user("coordinator", site, printed_name="Cora Coordinator"),
        investigator=make_user("investigator", site, printed_name="Dr Ivan Investigator"),
        monitor=make_user("monitor", site, printed_name="Mona Monitor"),
        data_manager=make_user("data_manager", printed_name="Dana Datamanager"),
        auditor=make_user("auditor", printed_name="Audrey Auditor"),
    )


@pytest.fixture
def act(app) -> Callable:
    """Run ``work(session, ledger, user)`` as ``account`` in one committed unit of work; return its result detached."""
    from edc.db import transaction
    from edc.models import User
    from edc.wiring import ledger_config

    def run(account: Account, work: Callable[..., Any]) -> Any:
        with app_session(app) as session:
            user = session.get(User, account.user.id)
            with transaction(session):
                result = work(session, ledger_config(), user)
            session.expunge_all()  # keep what was loaded readable after the session ends
            return result

    return run


@pytest.fixture
def enter(act) -> Callable:
    """Save the conmeds form (or another slot) for subject ``code`` as ``account``."""
    from edc.services import crf
    from edc.services.crf import Slot

    def save(account: Account, code: str, values: dict, *, slot=CONMEDS, missing: dict | None = None,
             reason: tuple[str, str] | None = None):
        def work(session, ledger, user):
            reason_code, reason_text = reason or (None, None)
            return crf.save_form(session, ledger, user, subject_in(session, code), Slot(*slot), values, missing or {},
                                 reason_code=reason_code, reason_text=reason_text)

        return act(account, work)

    return save


@pytest.fixture
def fresh_code(app) -> Callable:
    """A TOTP code the account has not used yet: forgets the last accepted step first (the replay
    tests reuse a code on purpose without calling this)."""
    from edc.db import transaction
    from edc.models import User

    def code(account: Account) -> str:
        with app_session(app) as session:
            with transaction(session):
                session.execute(update(User).where(User.id == account.user.id).values(totp_last_step=None))
        return pyotp.TOTP(account.totp_secret).now()

    return code


@pytest.fixture
def sign(act, fresh_code) -> Callable:
    """Sign targets built by ``build(session)`` as ``account`` with re-authentication."""
    from edc.services import signatures

    def run(account: Account, build: Callable, meaning: str = "review", *, password: str | None = None,
            code: str | None = None, expected: dict | None = None):
        totp = code if code is not None else fresh_code(account)

        def work(session, ledger, user):
            return signatures.sign_with_reauthentication(
                session, ledger, user, account.password if password is None else password, totp, build(session),
                meaning, expected, lockout_threshold=5,
            )

        return act(account, work)

    return run

