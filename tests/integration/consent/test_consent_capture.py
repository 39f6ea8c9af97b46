"""Capturing guardian permission at the bedside: drawn signatures, the version in force, guardians,
witness, assent at the assent age, and the obtainer's e-signature."""
from __future__ import annotations

import base64
import json
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from tests.fixtures.accounts import csrf_token_from
from tests.integration.consent.conftest import CONSENT_DAY, GUARDIAN_NAME, TODAY, years_before
from tests.support.drawings import data_url, png_bytes, signature_png


def _count(trial, model) -> int:
    with trial.session() as db:
        return db.execute(select(func.count()).select_from(model)).scalar_one()


def _consent_post(client, trial, code, **fields):
    page = client.get(f"/subjects/{code}/consent/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_token_from(page.data), "document_id": str(trial.guardian_document_id), "occasion": "INITIAL",
        "consent_date": CONSENT_DAY.isoformat(), "consent_time": "10:30",
        "child_birth_date": years_before(CONSENT_DAY, 5).isoformat(),
        "guardian1_name": GUARDIAN_NAME, "guardian1_relationship": "mother",
        "guardian1_signature": data_url(signature_png()), "copy_given": "y",
        "password": trial.coordinator.password, "totp_code": trial.code(trial.coordinator),
    }
    data.update(fields)
    with trial.session() as db:  # the login used this step's code; the signature may use it once more
        trial.acting(db, trial.coordinator)
        db.commit()
    return client.post(f"/subjects/{code}/consent/new", data=data)


def test_a_coordinator_records_permission_with_a_drawn_png_and_their_own_e_signature(trial, client, login):
    from edc.models import ConsentRecord, ESignature, User
    from edc.services import consent
    from edc.services.signatures import signed_message
    from edc.services.user_keys import verify_user_signature

    code = trial.new_subject()
    login(client, trial.coordinator)
    response = _consent_post(client, trial, code)
    assert response.status_code == 302, response.data.decode()[:2000]

    with trial.session() as db:
        subject = trial.subject(db, code)
        record = db.execute(select(ConsentRecord).where(ConsentRecord.subject_id == subject.id)).scalar_one()
        (guardian,) = record.signers
        assert guardian.capacity == "guardian" and guardian.relationship_to_child == "mother"
        assert consent.signer_name(db, subject, guardian) == GUARDIAN_NAME
        assert consent.signer_image(db, subject, guardian) == signature_png()
        assert signature_png() not in bytes(guardian.image_sealed)
        assert record.assent_required is False and record.assent_obtained == "NA"
        signature = db.get(ESignature, record.obtainer_signature_id)
        assert signature.meaning == "consent_obtained" and signature.signer_id == trial.coordinator.user.id
        signer = db.get(User, signature.signer_id)
        message = signed_message(code, signature.scope, signature.target, signature.content_sha256, signature.meaning)
        assert verify_user_signature(signer.signing_public_key, bytes(signature.user_signature), message)
        assert not verify_user_signature(signer.signing_public_key, bytes(signature.user_signature), message + b" ")

    (given,) = trial.ledger("consent.given")
    assert given.record.subject == code
    assert given.payload["document_id"] == trial.guardian_document_id
    assert given.payload["version_label"] == "1.0"
    assert given.payload["signers"][0]["image_sha256"] == __import__("hashlib").sha256(signature_png()).hexdigest()
    assert given.payload["obtainer_signature"]["meaning"] == "consent_obtained"


@pytest.mark.parametrize("signature, message", [
    ("", "Guardian 1 signature: no signature was drawn"),
    (data_url(png_bytes(200, 80, [])), "the signature is empty"),
    (data_url(png_bytes(200, 80, [(x, 40) for x in range(10, 20)])), "too small"),
    (data_url(b"\x89PNG\r\n\x1a\n" + bytes(600 * 1024)), "larger than"),
    (data_url(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10), "truncated"),
    (data_url(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>', "image/svg+xml"), "not &lt;script&gt;"),
])
def test_a_refused_drawing_records_nothing_and_says_why(trial, client, login, signature, message):
    from edc.models import ConsentRecord, ConsentSigner, LedgerEntry

    code = trial.new_subject()
    login(client, trial.coordinator)
    before = _count(trial, LedgerEntry)
    response = _consent_post(client, trial, code, guardian1_signature=signature)
    assert response.status_code == 422
    assert message in response.data.decode()
    assert _count(trial, ConsentRecord) == 0 and _count(trial, ConsentSigner) == 0
    assert _count(trial, LedgerEntry) == before


@pytest.mark.parametrize("effective, retirement, message", [
    (date(2024, 1, 1), CONSENT_DAY, "was retired on"),
    (date(2024, 1, 1), CONSENT_DAY - timedelta(days=1), "was retired on"),
    (CONSENT_DAY + timedelta(days=1), None, "becomes effective only on"),
])
def test_a_version_not_in_force_on_the_consent_date_is_refused(trial, effective, retirement, message):
    from edc.services.consent import ConsentRefused

    document_id = trial.register_document("guardian", "0.9", effective=effective, retirement=retirement)
    code = trial.new_subject()
    with pytest.raises(ConsentRefused) as refused:
        trial.capture(code, document_id=document_id)
    assert any(message in reason and "0.9" in reason for reason in refused.value.reasons)


def test_the_version_retired_the_day_after_consent_is_still_accepted(trial):
    document_id = trial.register_document("guardian", "0.9", effective=date(2024, 1, 1), retirement=CONSENT_DAY + timedelta(days=1))
    code = trial.new_subject()
    assert trial.capture(code, document_id=document_id)


def test_an_older_version_is_refused_once_a_newer_one_is_in_force(trial):
    from edc.services.consent import ConsentRefused

    trial.register_document("guardian", "2.0", effective=CONSENT_DAY - timedelta(days=30))
    code = trial.new_subject()
    with pytest.raises(ConsentRefused, match="version in force was 2.0"):
        trial.capture(code)


def test_a_second_guardian_is_required_when_two_are_configured(trial, two_guardians):
    from edc.services import consent, consent_state
    from edc.services.consent import ConsentRefused
    from edc.services.signature_images import validate

    code = trial.new_subject()
    with pytest.raises(ConsentRefused, match="2 guardians must sign .*only 1 guardian"):
        trial.capture(code, params=two_guardians)
    second = consent.SignerInput(name="Ali Testfather", signature=validate(signature_png(), "image/png"), relationship="father")
    first = consent.SignerInput(name=GUARDIAN_NAME, signature=validate(signature_png(filters=(4,)), "image/png"),
                                relationship="mother")
    trial.capture(code, params=two_guardians, guardians=[first, second])
    with trial.session() as db:
        state = consent_state.state_of(db, trial.subject(db, code), TODAY)
        assert state.has_permission and len(consent_state.guardians_of(state.record)) == 2


def test_a_second_guardian_without_a_signature_is_named_in_the_refusal(trial, two_guardians):
    from edc.services import consent
    from edc.services.consent import ConsentRefused
    from edc.services.signature_images import validate

    code = trial.new_subject()
    guardians = [consent.SignerInput(name=GUARDIAN_NAME, signature=validate(signature_png(), "image/png"), relationship="mother"),
                 consent.SignerInput(name="Ali Testfather", signature=None, relationship="father")]
    with pytest.raises(ConsentRefused) as refused:
        trial.capture(code, params=two_guardians, guardians=guardians)
    assert refused.value.reasons == ["Guardian 2 signature: no signature was drawn."]


@pytest.mark.parametrize("birth, assent_required", [
    (years_before(CONSENT_DAY, 7), True),                           # 7th birthday on the consent date
    (years_before(CONSENT_DAY, 7) + timedelta(days=1), False),      # consent the day before the 7th birthday
    (years_before(CONSENT_DAY, 7) - timedelta(days=1), True),
    (years_before(CONSENT_DAY, 2), False),
])
def test_assent_is_requested_from_the_seventh_birthday(trial, birth, assent_required):
    from edc.models import ConsentRecord
    from edc.services.consent import ConsentRefused

    code = trial.new_subject()
    if assent_required:
        with pytest.raises(ConsentRefused, match="record whether the child assented"):
            trial.capture(code, child_birth_date=birth, assent_outcome=None, child=None)
        record_id = trial.capture(code, child_birth_date=birth)
    else:
        record_id = trial.capture(code, child_birth_date=birth, assent_outcome=None, child=None)
    with trial.session() as db:
        record = db.get(ConsentRecord, record_id)
        assert record.assent_required is assent_required
        assert record.assent_obtained == ("Y" if assent_required else "NA")
        assert [s.capacity for s in record.signers] == (["guardian", "child"] if assent_required else ["guardian"])
        assert record.assent_document_id == (trial.assent_document_id if assent_required else None)


def test_assent_of_age_without_an_assent_document_in_force_is_refused(trial):
    from edc.services.consent import ConsentRefused

    with trial.session() as db:  # the standard assent document becomes effective only after the consent day
        from edc.models import ConsentDocument

        db.get(ConsentDocument, trial.assent_document_id).effective_date = CONSENT_DAY + timedelta(days=1)
        db.commit()
    code = trial.new_subject()
    with pytest.raises(ConsentRefused, match="no child assent document is in force"):
        trial.capture(code)


def test_assent_not_obtained_needs_the_investigators_justification(trial):
    from edc.models import ConsentRecord
    from edc.services.consent import ConsentRefused

    code = trial.new_subject()
    with pytest.raises(ConsentRefused) as refused:
        trial.capture(code, assent_outcome="NOT_CAPABLE", child=None)
    assert "document the reason and the investigator's justification" in " ".join(refused.value.reasons)
    assert "only an investigator may justify" in " ".join(refused.value.reasons)
    record_id = trial.capture(code, by=trial.investigator, assent_outcome="NOT_CAPABLE", child=None,
                              assent_reason="Developmental delay", assent_justification="Cannot understand the study")
    with trial.session() as db:
        record = db.get(ConsentRecord, record_id)
        assert (record.assent_obtained, record.assent_justification) == ("NOT_CAPABLE", "Cannot understand the study")


def test_a_guardian_who_cannot_read_needs_an_impartial_witness(trial):
    from edc.models import ConsentRecord
    from edc.services import consent
    from edc.services.consent import ConsentRefused
    from edc.services.signature_images import validate

    code = trial.new_subject()
    guardian = consent.SignerInput(name=GUARDIAN_NAME, signature=validate(signature_png(), "image/png"),
                                   relationship="paternal_grandfather", can_read=False)
    with pytest.raises(ConsentRefused, match="impartial witness must attend"):
        trial.capture(code, guardians=[guardian])
    witness = consent.SignerInput(name="Witness Testperson", signature=validate(signature_png(filters=(2,)), "image/png"))
    record_id = trial.capture(code, guardians=[guardian], witness=witness)
    with trial.session() as db:
        record = db.get(ConsentRecord, record_id)
        assert record.witness_required is True
        assert sorted(s.capacity for s in record.signers) == ["child", "guardian", "witness"]


def test_optional_items_must_each_be_answered_yes_or_no(trial):
    from edc.models import ConsentRecord
    from edc.services.consent import ConsentRefused

    document_id = trial.register_document("guardian", "1.1", effective=CONSENT_DAY - timedelta(days=5),
                                          items=("Future use of samples", "KIR and chimerism testing"))
    code = trial.new_subject()
    with pytest.raises(ConsentRefused, match="KIR and chimerism testing"):
        trial.capture(code, document_id=document_id, optional_answers={"Future use of samples": "Y"})
    record_id = trial.capture(code, document_id=document_id,
                              optional_answers={"Future use of samples": "Y", "KIR and chimerism testing": "N"})
    with trial.session() as db:
        assert json.loads(db.get(ConsentRecord, record_id).optional_answers) == {
            "Future use of samples": "Y", "KIR and chimerism testing": "N"}


@pytest.mark.parametrize("field, value, message", [
    ("child_birth_date", None, "Enter the child's date of birth"),
    ("child_birth_date", CONSENT_DAY + timedelta(days=1), "date of birth is after the consent date"),
    ("consent_date", TODAY + timedelta(days=2), "cannot be in the future"),
    ("consent_time", None, "Enter the date and time"),
    ("document_id", None, "Choose the guardian permission document"),
])
def test_missing_or_impossible_dates_are_refused(trial, field, value, message):
    from edc.services.consent import ConsentRefused

    code = trial.new_subject()
    with pytest.raises(ConsentRefused, match=message):
        trial.capture(code, **{field: value})


def test_a_wrong_password_records_only_the_failed_re_authentication(trial, client, login):
    from edc.models import ConsentRecord

    code = trial.new_subject()
    login(client, trial.coordinator)
    response = _consent_post(client, trial, code, password="not-the-password-at-all")
    assert response.status_code == 422
    assert "Signature refused" in response.data.decode()
    assert _count(trial, ConsentRecord) == 0
    assert trial.ledger()[-1].action == "auth.reauthentication_failed"
    assert trial.ledger("consent.given") == []
    with trial.session() as db:
        from edc.models import User

        assert db.get(User, trial.coordinator.user.id).failed_logins == 1


def test_a_monitor_cannot_capture_consent(trial, client, login):
    code = trial.new_subject()
    login(client, trial.monitor)
    assert client.get(f"/subjects/{code}/consent/new").status_code == 403
    page = client.get(f"/subjects/{code}/consent")
    assert page.status_code == 200
    response = client.post(f"/subjects/{code}/consent/new", data={"csrf_token": csrf_token_from(client.get("/").data)})
    assert response.status_code == 403


def test_the_consent_page_shows_names_and_drawings_to_site_staff_only(trial, client, login):
    code = trial.new_subject()
    trial.capture(code)
    login(client, trial.coordinator)
    staff_page = client.get(f"/subjects/{code}/consent").data.decode()
    assert GUARDIAN_NAME in staff_page
    assert base64.b64encode(signature_png()).decode() in staff_page
    client.post("/logout", data={"csrf_token": csrf_token_from(staff_page)})
    login(client, trial.monitor)
    monitor_page = client.get(f"/subjects/{code}/consent").data.decode()
    assert "version 1.0" in monitor_page
    assert GUARDIAN_NAME not in monitor_page
    assert base64.b64encode(signature_png()).decode() not in monitor_page


def test_the_consent_time_is_the_site_time_stored_in_utc(trial):
    from edc.models import ConsentRecord

    code = trial.new_subject()
    record_id = trial.capture(code, consent_time=time(10, 30))
    with trial.session() as db:
        signed = db.get(ConsentRecord, record_id).signed_at
    assert (signed.hour, signed.minute) == (7, 0)  # Asia/Tehran is UTC+03:30


def test_the_bedside_page_loads_the_signature_pad_as_a_file_and_has_no_inline_script(trial, client, login):
    import re

    code = trial.new_subject()
    login(client, trial.coordinator)
    page = client.get(f"/subjects/{code}/consent/new")
    html = page.data.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == ['<script src="/static/signature.js">']
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert html.count("data-signature-pad") == 4  # two guardians, the witness and the child
    assert html.count('class="sig-pad"') == 4
    script = client.get("/static/signature.js")
    assert script.status_code == 200
    assert b"pointerdown" in script.data and b"toDataURL(\"image/png\")" in script.data
