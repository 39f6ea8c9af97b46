"""The enrolment gate and the investigator's eligibility confirmation, through the services and by direct POSTs."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.fixtures.accounts import csrf_token_from
from tests.integration.consent.conftest import CONSENT_DAY, TODAY, eligible_screening, years_before


def test_enrolment_succeeds_when_every_prerequisite_holds(trial):
    code = trial.ready_for_enrolment()
    trial.enrol(code, arm="CONTROL")
    with trial.session() as db:
        subject = trial.subject(db, code)
        assert (subject.status, subject.arm) == ("enrolled", "CONTROL")
        assert subject.allocation_basis == "NK_PRODUCT_AVAILABLE: Haploidentical donor available; product manufactured"
        assert subject.enrolled_on is not None
    (enrolled,) = trial.ledger("subject.enrolled")
    assert enrolled.record.subject == code
    assert enrolled.payload["arm"] == "CONTROL" and enrolled.payload["allocation"] == "non-randomised"
    assert enrolled.payload["consent_document_id"] == trial.guardian_document_id


def test_enrolment_refusal_lists_every_missing_item(trial, two_guardians):
    from edc.db import transaction
    from edc.services import consent
    from edc.services.enrolment import EnrolmentRefused
    from edc.wiring import ledger_config

    code = trial.new_subject()
    trial.capture(code, assent_outcome="REFUSED", child=None)
    trial.register_document("guardian", "2.0", effective=TODAY - timedelta(days=1))
    with trial.session() as db, transaction(db):
        consent.withdraw_consent(db, ledger_config(), trial.acting(db, trial.coordinator), trial.subject(db, code),
                                 withdrawn_on=TODAY - timedelta(days=1), scope="TREATMENT_ONLY", requested_by="GUARDIAN")
    with pytest.raises(EnrolmentRefused) as refused:
        trial.enrol(code, arm=None, params=two_guardians)
    reasons = refused.value.reasons
    expected = [
        "Consent was withdrawn (treatment only",
        "Guardian permission was given on version 1.0; version 2.0 is in force",
        "1 of 2 required guardian signatures: 1 more guardian must sign",
        "The child did not assent",
        "The screening form has not been saved.",
        "The investigator has not confirmed eligibility.",
        "Choose the arm",
    ]
    assert len(reasons) == len(expected)
    for reason, start in zip(reasons, expected):
        assert reason.startswith(start), (reason, start)
    with trial.session() as db:
        assert trial.subject(db, code).status == "screening"
    assert trial.ledger("subject.enrolled") == []


def test_enrolment_without_any_consent_says_so_first(trial):
    from edc.services.enrolment import EnrolmentRefused

    code = trial.new_subject()
    with pytest.raises(EnrolmentRefused) as refused:
        trial.enrol(code)
    assert refused.value.reasons == [
        "No guardian permission is recorded.", "The screening form has not been saved.",
        "The investigator has not confirmed eligibility.",
    ]


@pytest.mark.parametrize("role", ["coordinator", "monitor"])
def test_a_direct_enrolment_post_by_a_coordinator_or_monitor_is_forbidden(trial, client, login, role):
    code = trial.ready_for_enrolment()
    login(client, getattr(trial, role))
    token = csrf_token_from(client.get(f"/subjects/{code}/enrolment").data)
    response = client.post(f"/subjects/{code}/enrolment", data={
        "csrf_token": token, "arm": "NK", "basis_code": "OTHER", "basis_text": "direct post"})
    assert response.status_code == 403
    with trial.session() as db:
        assert trial.subject(db, code).status == "screening"
    assert trial.ledger("subject.enrolled") == []


def test_a_direct_enrolment_post_by_an_investigator_without_prerequisites_gets_the_refusal(trial, client, login):
    code = trial.new_subject()
    trial.capture(code)
    login(client, trial.investigator)
    token = csrf_token_from(client.get(f"/subjects/{code}/enrolment").data)
    response = client.post(f"/subjects/{code}/enrolment", data={
        "csrf_token": token, "arm": "NK", "basis_code": "NK_PRODUCT_AVAILABLE", "basis_text": "donor available"})
    assert response.status_code == 409
    page = response.data.decode()
    assert "The screening form has not been saved." in page
    assert "The investigator has not confirmed eligibility." in page
    with trial.session() as db:
        assert (trial.subject(db, code).status, trial.subject(db, code).arm) == ("screening", None)


def test_an_investigator_confirms_eligibility_and_enrols_through_the_pages(trial, client, login):
    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "screening", eligible_screening())
    login(client, trial.investigator)
    page = client.get(f"/subjects/{code}/enrolment")
    assert page.status_code == 200
    with trial.session() as db:
        trial.acting(db, trial.investigator)
        db.commit()
    response = client.post(f"/subjects/{code}/eligibility/confirm", data={
        "csrf_token": csrf_token_from(page.data), "password": trial.investigator.password,
        "totp_code": trial.code(trial.investigator)})
    assert response.status_code == 302
    (confirmed,) = trial.ledger("eligibility.confirmed")
    assert confirmed.payload["meaning"] == "eligibility_confirmed" and confirmed.record.form == "screening"
    _assert_signature_verifies(trial, code, confirmed.payload)
    page = client.get(f"/subjects/{code}/enrolment")
    response = client.post(f"/subjects/{code}/enrolment", data={
        "csrf_token": csrf_token_from(page.data), "arm": "NK", "basis_code": "NK_PRODUCT_AVAILABLE",
        "basis_text": "Haploidentical donor available"})
    assert response.status_code == 302
    with trial.session() as db:
        assert (trial.subject(db, code).status, trial.subject(db, code).arm) == ("enrolled", "NK")


def test_a_later_screening_change_invalidates_the_confirmation(trial):
    from edc.services import eligibility
    from edc.services.enrolment import EnrolmentRefused

    code = trial.ready_for_enrolment()
    changed = eligible_screening() | {"HGB": "11.5"}
    trial.save(code, "screening", changed, reason=("TRANSCRIPTION", "Typed 11.2 instead of 11.5"))
    with trial.session() as db:
        assert eligibility.valid_confirmation(db, trial.subject(db, code)) is None
    (invalidated,) = trial.ledger("eligibility.invalidated")
    assert invalidated.record.subject == code and "Screening and eligibility changed" in invalidated.payload["cause"]
    with pytest.raises(EnrolmentRefused) as refused:
        trial.enrol(code)
    assert refused.value.reasons == [
        "The investigator's confirmation was invalidated by a later change: confirm eligibility again."]
    trial.confirm(code)
    trial.enrol(code)


def test_a_medication_added_after_confirmation_invalidates_it_and_is_judged_at_enrolment(trial):
    from edc.services.enrolment import EnrolmentRefused

    code = trial.ready_for_enrolment()
    trial.save(code, "conmeds", {"CMTRT": "voriconazole", "CMDOSE_MG_DAY": "200", "CMROUTE": "ORAL",
                                 "CMSTDTC": (TODAY - timedelta(days=4)).isoformat(), "CMENDTC": None, "CMONGO": "Y"})
    assert len(trial.ledger("eligibility.invalidated")) == 1
    with pytest.raises(EnrolmentRefused) as refused:
        trial.enrol(code)
    (not_eligible, unconfirmed) = refused.value.reasons
    assert "E10" in not_eligible and "voriconazole" in not_eligible.lower()
    assert "invalidated" in unconfirmed


def test_eligibility_cannot_be_confirmed_while_a_criterion_cannot_be_assessed(trial):
    from edc.services.eligibility import EligibilityRefused

    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "screening", eligible_screening() | {"ANC": None})
    with pytest.raises(EligibilityRefused, match="E1b"):
        trial.confirm(code)
    assert trial.ledger("eligibility.confirmed") == []


def test_a_coordinator_cannot_confirm_eligibility(trial):
    from edc.db import transaction
    from edc.services import eligibility
    from edc.services.errors import PermissionDenied
    from edc.wiring import ledger_config

    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "screening", eligible_screening())
    with pytest.raises(PermissionDenied):
        with trial.session() as db, transaction(db):
            eligibility.confirm_eligibility(db, ledger_config(), trial.acting(db, trial.coordinator), trial.subject(db, code),
                                            password=trial.coordinator.password, totp_code=trial.code(trial.coordinator),
                                            lockout_threshold=5)


def test_a_screen_failure_closes_screening_and_appears_in_the_log(trial, client, login):
    from edc.models.consent import ScreenFailure
    from edc.services.enrolment import EnrolmentRefused

    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "screening", eligible_screening() | {"ANC": None})
    login(client, trial.investigator)
    page = client.get(f"/subjects/{code}/enrolment")
    response = client.post(f"/subjects/{code}/screen-failure", data={
        "csrf_token": csrf_token_from(page.data), "failed_on": TODAY.isoformat(), "criteria": ["E1b", "E16"],
        "reason": "Neutropenia persisting; HIV test indeterminate"})
    assert response.status_code == 302
    with trial.session() as db:
        subject = trial.subject(db, code)
        failure = db.execute(select(ScreenFailure).where(ScreenFailure.subject_id == subject.id)).scalar_one()
        assert (subject.status, failure.criteria) == ("screen_failure", "E1b, E16")
    (failed,) = trial.ledger("subject.screen_failed")
    assert failed.payload["criteria"] == ["E1b", "E16"]
    log = client.get("/consent/screening-log").data.decode()
    assert code in log and "Neutropenia persisting" in log
    with pytest.raises(EnrolmentRefused, match="not in screening"):
        trial.enrol(code)


@pytest.mark.parametrize("criteria, reason, message", [
    ([], "no reason", "Choose at least one criterion"),
    (["E99"], "typo", "Unknown criteria: E99"),
    (["CONSENT_DECLINED"], "  ", "Describe the reason"),
])
def test_a_screen_failure_needs_criteria_and_a_reason(trial, criteria, reason, message):
    from edc.db import transaction
    from edc.services import eligibility
    from edc.wiring import ledger_config

    code = trial.new_subject()
    with pytest.raises(eligibility.EligibilityRefused, match=message):
        with trial.session() as db, transaction(db):
            eligibility.record_screen_failure(db, ledger_config(), trial.acting(db, trial.investigator), trial.subject(db, code),
                                              failed_on=TODAY, criteria=criteria, reason=reason)


def test_the_screening_context_carries_the_enrolment_date_and_the_logs(trial):
    from edc.services import context
    from edc.services.crf import Slot

    code = trial.new_subject()
    trial.capture(code)
    trial.save(code, "conmeds", {"CMTRT": "Prednisolone", "CMDOSE_MG_DAY": "10", "CMROUTE": "ORAL",
                                 "CMSTDTC": CONSENT_DAY.isoformat(), "CMENDTC": None, "CMONGO": "Y"})
    trial.save(code, "baseline_conditions", {"TERM": "Anemia", "SOC": "Blood and lymphatic system disorders",
                                             "GRADE": "2", "ONGOING": "Y"})
    with trial.session() as db:
        built = context.build(db, trial.subject(db, code), "screening", Slot("screening", 1, "screening", 1), {}, None)
    assert built["ENRLDT"] == TODAY.isoformat()
    assert built["conmeds"] == [{"CMTRT": "Prednisolone", "CMDOSE_MG_DAY": "10", "CMROUTE": "ORAL",
                                 "CMSTDTC": CONSENT_DAY.isoformat(), "CMENDTC": None}]
    assert built["baseline_conditions"] == [{"TERM": "Anemia", "SOC": "Blood and lymphatic system disorders",
                                             "GRADE": "2", "ONGOING": "Y"}]


def test_a_child_who_turned_seven_after_consent_is_not_enrolled_without_assent(trial):
    from edc.services.enrolment import EnrolmentRefused

    code = trial.new_subject()
    birth = years_before(TODAY - timedelta(days=2), 7)
    trial.capture(code, child_birth_date=birth, assent_outcome=None, child=None)
    trial.save(code, "screening", eligible_screening(birth=birth))
    trial.confirm(code)
    with pytest.raises(EnrolmentRefused) as refused:
        trial.enrol(code)
    assert refused.value.reasons == ["The child has reached 7 years since consent was given: obtain assent (re-consent) first."]


def _assert_signature_verifies(trial, code, payload):
    import base64

    from edc.models import ESignature, User
    from edc.services.signatures import key_fingerprint, signed_message
    from edc.services.user_keys import verify_user_signature

    with trial.session() as db:
        signature = db.get(ESignature, payload["signature_id"])
        signer = db.get(User, signature.signer_id)
        assert payload["key_fingerprint"] == key_fingerprint(bytes(signer.signing_public_key))
        assert base64.b64decode(payload["user_signature"]) == bytes(signature.user_signature)
        message = signed_message(code, "eligibility", signature.target, signature.content_sha256, "eligibility_confirmed")
        assert verify_user_signature(signer.signing_public_key, bytes(signature.user_signature), message)
        assert not verify_user_signature(signer.signing_public_key, bytes(signature.user_signature),
                                         signed_message(code, "eligibility", signature.target, "0" * 64, "eligibility_confirmed"))
