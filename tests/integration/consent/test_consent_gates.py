"""The order consent imposes on data entry: nothing before permission, nothing the withdrawal scope
excludes, no NK infusion until re-consent on the version in force."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.accounts import csrf_token_from
from tests.integration.consent.conftest import CONSENT_DAY, TODAY, eligible_screening

CONMED = {"CMTRT": "Ondansetron", "CMDOSE_MG_DAY": "8", "CMROUTE": "ORAL",
          "CMSTDTC": (TODAY - timedelta(days=2)).isoformat(), "CMENDTC": None, "CMONGO": "Y"}


def _refusals(trial, code, event_key, form_key):
    from edc.services import gates
    from edc.services.crf import Slot

    with trial.session() as db:
        return gates.entry_refusals(db, trial.subject(db, code), Slot(event_key, 1, form_key, 1), form_key)


def _counts(trial):
    from edc.models import FormInstance, ItemValue, LedgerEntry

    with trial.session() as db:
        return tuple(db.execute(select(func.count()).select_from(m)).scalar_one() for m in (FormInstance, ItemValue, LedgerEntry))


def test_a_coordinator_cannot_save_screening_data_before_guardian_permission(trial, client, login):
    code = trial.new_subject()
    login(client, trial.coordinator)
    path = f"/subjects/{code}/forms/screening/1/screening/1"
    page = client.get(path)
    before = _counts(trial)
    response = client.post(path, data={"csrf_token": csrf_token_from(page.data), "form_version": "1", "revision": "0",
                                       **{k: v or "" for k, v in eligible_screening().items()}})
    assert response.status_code == 409
    assert "No guardian permission is recorded yet" in response.data.decode()
    assert _counts(trial) == before

    trial.capture(code)
    page = client.get(path)
    response = client.post(path, data={"csrf_token": csrf_token_from(page.data), "form_version": "1", "revision": "0",
                                       **{k: v or "" for k, v in eligible_screening().items()}})
    assert response.status_code == 302
    assert _counts(trial)[0] == before[0] + 1


def test_no_screening_or_log_form_opens_before_permission(trial):
    from edc.services.errors import EntryRefused

    code = trial.new_subject()
    for form_key, data in (("screening", eligible_screening()), ("conmeds", CONMED)):
        with pytest.raises(EntryRefused, match="No guardian permission"):
            trial.save(code, form_key, data)


def test_withdrawal_from_treatment_keeps_follow_up_open_and_closes_treatment(trial):
    from edc.services import consent
    from edc.db import transaction
    from edc.wiring import ledger_config

    code = trial.ready_for_enrolment()
    trial.enrol(code)
    assert _refusals(trial, code, "chemo", "chemotherapy") == []
    with trial.session() as db, transaction(db):
        consent.withdraw_consent(db, ledger_config(), trial.acting(db, trial.coordinator), trial.subject(db, code),
                                 withdrawn_on=TODAY - timedelta(days=1), scope="TREATMENT_ONLY", requested_by="GUARDIAN")
    assert any("withdrawn from treatment" in r for r in _refusals(trial, code, "chemo", "chemotherapy"))
    assert any("withdrawn from treatment" in r for r in _refusals(trial, code, "infusion", "infusion"))
    assert _refusals(trial, code, "follow_up", "tumour_assessment") == []
    assert _refusals(trial, code, "logs", "adverse_event") == []
    trial.save(code, "conmeds", CONMED)
    with trial.session() as db:
        assert trial.subject(db, code).status == "follow_up"
    (withdrawn,) = trial.ledger("consent.withdrawn")
    assert withdrawn.payload["scope"] == "TREATMENT_ONLY"


def test_withdrawal_of_all_procedures_closes_every_form_and_enrolment(trial):
    from edc.db import transaction
    from edc.services import consent
    from edc.services.enrolment import EnrolmentRefused
    from edc.services.errors import EntryRefused
    from edc.wiring import ledger_config

    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "screening", eligible_screening())
    with trial.session() as db, transaction(db):
        consent.withdraw_consent(db, ledger_config(), trial.acting(db, trial.investigator), trial.subject(db, code),
                                 withdrawn_on=TODAY, scope="ALL", requested_by="CHILD", reason="Child does not want more tests")
    for event_key, form_key in (("screening", "baseline_conditions"), ("logs", "conmeds"), ("follow_up", "tumour_assessment")):
        assert any("withdrawn for all further procedures" in r for r in _refusals(trial, code, event_key, form_key))
    with pytest.raises(EntryRefused, match="withdrawn for all"):
        trial.save(code, "conmeds", CONMED)
    with pytest.raises(EnrolmentRefused, match="Consent was withdrawn"):
        trial.enrol(code)
    with pytest.raises(consent.ConsentRefused, match="was withdrawn"):
        trial.capture(code, occasion="OTHER")
    with trial.session() as db:
        assert trial.subject(db, code).status == "withdrawn"


@pytest.mark.parametrize("withdrawn_on, scope, requested_by, message", [
    (CONSENT_DAY - timedelta(days=1), "ALL", "GUARDIAN", "before the consent date"),
    (TODAY + timedelta(days=2), "ALL", "GUARDIAN", "cannot be in the future"),
    (TODAY, "SOME", "GUARDIAN", "Choose what the withdrawal covers"),
    (TODAY, "ALL", None, "Choose who withdrew consent"),
    (None, "ALL", "GUARDIAN", "Enter the date of withdrawal"),
])
def test_an_incomplete_withdrawal_is_refused(trial, withdrawn_on, scope, requested_by, message):
    from edc.db import transaction
    from edc.services import consent
    from edc.wiring import ledger_config

    code = trial.new_subject()
    trial.capture(code)
    with pytest.raises(consent.ConsentRefused, match=message):
        with trial.session() as db, transaction(db):
            consent.withdraw_consent(db, ledger_config(), trial.acting(db, trial.coordinator), trial.subject(db, code),
                                     withdrawn_on=withdrawn_on, scope=scope, requested_by=requested_by)


def test_a_new_version_lists_the_subject_for_re_consent_and_refuses_nk_infusions_until_then(trial, client, login):
    from edc.services import consent

    code = trial.ready_for_enrolment()
    trial.enrol(code, arm="NK")
    other = trial.ready_for_enrolment()
    trial.enrol(other, arm="NK")
    assert _refusals(trial, code, "infusion", "infusion") == []

    new_version = trial.register_document("guardian", "2.0", effective=TODAY)
    with trial.session() as db:
        due = [(row.subject.code, row.reasons) for row in consent.reconsent_due(db, TODAY)]
    assert [subject for subject, _ in due] == [code, other]
    assert "version 2.0 is in force" in due[0][1][0]
    assert any("re-consent on the current version before any NK infusion" in r for r in _refusals(trial, code, "infusion", "infusion"))
    assert _refusals(trial, code, "chemo", "chemotherapy") == []

    login(client, trial.coordinator)
    page = client.get("/consent/reconsent").data.decode()
    assert code in page and other in page

    trial.capture(code, document_id=new_version, consent_date=TODAY, consent_time=time(0, 0), occasion="AMENDMENT")
    assert _refusals(trial, code, "infusion", "infusion") == []
    with trial.session() as db:
        assert [row.subject.code for row in consent.reconsent_due(db, TODAY)] == [other]
    assert any("re-consent" in r for r in _refusals(trial, other, "infusion", "infusion"))


def test_re_consent_needs_its_occasion(trial):
    from edc.services.consent import ConsentRefused

    code = trial.new_subject()
    trial.capture(code)
    with pytest.raises(ConsentRefused, match="choose why it is taken again"):
        trial.capture(code)


def test_a_child_who_reaches_the_assent_age_is_listed_for_assent(trial):
    from edc.services import consent

    code = trial.new_subject()
    seventh_birthday = TODAY - timedelta(days=3)
    birth = date(seventh_birthday.year - 7, seventh_birthday.month, min(seventh_birthday.day, 28))
    trial.capture(code, child_birth_date=birth, assent_outcome=None, child=None)
    with trial.session() as db:
        (row,) = consent.reconsent_due(db, TODAY)
        assert row.subject.code == code and "assent is due" in row.reasons[0]
