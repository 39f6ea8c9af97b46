"""Consent, screening and enrolment in a real browser: the coordinator at the bedside with the tablet,
then the investigator's e-signed eligibility confirmation and the allocation to the NK arm."""
from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from edc.models import ConsentRecord, ConsentSigner, Subject
from edc.services.signature_images import validate
from tests.e2e.pages import INITIALS, SIGNATURE, draw_signature, fill_form, log_in, reauthenticate, shoot
from tests.support.cases import years_before


def test_the_coordinator_captures_guardian_permission_and_child_assent_with_drawn_signatures(study, new_page, shots, forget_last_code):
    study.register_documents("guardian", "assent")
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subjects").click()
    page.get_by_role("button", name="Register and assign a screening number").click()
    expect(page.get_by_role("status").filter(has_text="registered for screening")).to_be_visible()
    code = re.search(r"Casebook (RAH-\d{3})", page.get_by_role("heading", level=1).inner_text()).group(1)
    page.get_by_role("link", name="Consent", exact=True).click()
    expect(page.get_by_text("No consent recorded yet.")).to_be_visible()
    page.get_by_role("link", name="Capture guardian permission").click()

    expect(page.get_by_role("heading", name=f"Guardian permission for {code}")).to_be_visible()
    expect(page.get_by_label("Guardian permission version shown")).to_have_value(str(study.documents["guardian"]))
    signed_at = datetime.now(ZoneInfo("Asia/Tehran")) - timedelta(minutes=20)
    expect(page.get_by_label("Date signed")).to_have_value((signed_at + timedelta(minutes=20)).date().isoformat())
    page.get_by_label("Date signed").fill(signed_at.date().isoformat())
    page.get_by_label("Time signed (site time)").fill(signed_at.strftime("%H:%M"))
    page.get_by_label("Child's date of birth").fill(years_before(signed_at.date(), 9).isoformat())

    guardian = page.get_by_role("group", name="Guardian 1", exact=True)
    guardian.get_by_label("Guardian 1 full name").fill("Zahra Hosseini")
    guardian.get_by_label("Relationship to the child").select_option(label="Mother")
    pad = guardian.get_by_role("img", name=re.compile("^Guardian 1 signature"))
    expect(guardian.get_by_text("Not signed yet")).to_be_visible()
    draw_signature(page, pad, SIGNATURE)
    expect(guardian.get_by_text("Signed (2 strokes)")).to_be_visible()

    assent = page.get_by_role("group", name=re.compile("^Child assent"))
    expect(assent.get_by_label("Child's name (optional)")).to_be_hidden()
    assent.get_by_label("Child assent").select_option(label="Child assented and signed")
    expect(assent.get_by_label("Child's name (optional)")).to_be_visible()
    assent.get_by_label("Child's name (optional)").fill("Ali")
    child_pad = assent.get_by_role("img", name=re.compile("^Child's signature"))
    draw_signature(page, child_pad, INITIALS + INITIALS[:1])
    expect(assent.get_by_text("Signed (3 strokes)")).to_be_visible()
    assent.get_by_role("button", name="Undo last stroke").click()
    expect(assent.get_by_text("Signed (2 strokes)")).to_be_visible()

    page.get_by_label("A copy of the signed form was given to the guardian").check()
    expect(page.get_by_text("By signing you confirm: Consent obtained - Sara Coordinator.")).to_be_visible()
    reauthenticate(page, study.coordinator, forget_last_code)
    shoot(page, shots, "01-consent-capture-signed")
    page.get_by_role("button", name="Sign: consent obtained").click()

    expect(page.get_by_role("status").filter(has_text=f"Guardian permission recorded for {code} on version 1.0")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Guardian permission:")).to_contain_text("recorded")
    expect(page.get_by_role("listitem").filter(has_text="Assent:")).to_contain_text("satisfied")
    expect(page.get_by_text("Assent: required - Child assented and signed")).to_be_visible()
    shoot(page, shots, "02-consent-recorded")

    [subject] = study.row(Subject, code=code)
    [record] = study.row(ConsentRecord, subject_id=subject.id)
    signers = {s.capacity: s for s in study.row(ConsentSigner, record_id=record.id)}
    assert set(signers) == {"guardian", "child"} and record.assent_required and record.copy_given
    for capacity, alt in (("guardian", "Drawn signature of the guardian"), ("child", "Drawn signature of the child")):
        source = page.get_by_role("img", name=alt).get_attribute("src")
        media, payload = re.fullmatch(r"data:(image/png);base64,(.+)", source).groups()
        drawn = validate(base64.b64decode(payload), media)
        assert (drawn.width, drawn.height) == (600, 200) and drawn.ink >= 100, (capacity, drawn.ink)
        assert drawn.sha256 == signers[capacity].image_sha256
        expect(page.get_by_role("cell", name=drawn.sha256)).to_be_visible()
    [given] = study.ledger("consent.given")
    assert given.record.subject == code and given.actor.name == "Sara Coordinator"
    assert given.payload["version_label"] == "1.0"
    assert "Zahra" not in str(given.payload), "the guardian's name enters the ledger only sealed"


def test_screening_shows_the_failed_criterion_and_a_correction_needs_a_reason(study, new_page, shots, forget_last_code):
    code = study.subject()
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subjects").click()
    page.get_by_role("link", name=code).click()
    page.get_by_role("link", name="Screening and eligibility").click()
    expect(page.get_by_role("heading", name="Screening and eligibility")).to_be_visible()
    platelets = page.get_by_label(re.compile(r"^Platelet count"))
    expect(platelets).to_be_editable()
    expect(platelets).not_to_have_attribute("aria-invalid", re.compile(".*"))

    screening = study.screening()
    fill_form(page, {**screening, "PLT": "40000"})
    page.get_by_role("button", name="Save").click()

    criteria = page.get_by_role("region", name="Eligibility criteria not met")
    expect(criteria).to_contain_text("E1a")
    expect(criteria).to_contain_text("Platelets 40,000/µL are below 50,000/µL")
    shoot(page, shots, "01-screening-criterion-failed", at=page.get_by_role("heading", level=1))

    platelets.fill("150000")
    page.get_by_role("button", name="Save").click()
    confirm = page.get_by_role("region", name="Confirm the change")
    expect(confirm.get_by_role("row").filter(has_text="Platelet count")).to_contain_text("40000")
    expect(confirm.get_by_role("row").filter(has_text="Platelet count")).to_contain_text("150000")
    page.get_by_label("Reason for change").select_option(label="Transcription error")
    page.get_by_label("Explain the change").fill("Platelets copied from the wrong day's lab sheet")
    shoot(page, shots, "02-screening-reason-for-change", at=page.get_by_label("Explain the change"))
    page.get_by_role("button", name="Confirm change").click()

    expect(page.get_by_role("status").filter(has_text="Saved Screening and eligibility.")).to_be_visible()
    expect(page.get_by_role("region", name="Eligibility criteria not met")).to_have_count(0)
    expect(platelets).to_have_value("150000")
    [created] = study.ledger("crf.created")
    [updated] = study.ledger("crf.updated")
    assert created.record.form == updated.record.form == "screening"
    assert updated.reason == "Transcription error: Platelets copied from the wrong day's lab sheet"
    assert [c for c in updated.payload["changes"] if c["field"] == "PLT"] == [
        {"field": "PLT", "old": "40000", "new": "150000", "old_missing": None, "new_missing": None}]
    assert {"field": "eligible", "old": "N", "new": "Y"} in updated.payload["derived"]


def test_the_investigator_confirms_eligibility_with_an_e_signature_and_enrols_to_the_nk_arm(study, new_page, shots, forget_last_code):
    code = study.eligible_subject()
    page = new_page()
    log_in(page, study.investigator, forget_last_code)
    page.goto(f"/subjects/{code}")
    page.get_by_role("link", name="Eligibility and enrolment").click()

    expect(page.get_by_role("heading", name=f"Eligibility and enrolment {code}")).to_be_visible()
    expect(page.get_by_text("Every criterion is met.")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="investigator").last).to_contain_text("NO")
    reauthenticate(page, study.investigator, forget_last_code)
    page.get_by_role("button", name="Sign: eligibility confirmed").click()

    expect(page.get_by_role("status").filter(has_text="Eligibility confirmed with your e-signature.")).to_be_visible()
    expect(page.get_by_text("Eligibility confirmed - Dr Parisa Investigator")).to_be_visible()
    page.get_by_label("Arm").select_option(label="NK cells + conventional treatment")
    page.get_by_label("Basis of the allocation").select_option(label="Suitable donor and NK-cell product available")
    page.get_by_label("Allocation basis, in words").fill("Haploidentical mother as donor; product manufactured")
    shoot(page, shots, "01-eligibility-confirmed")
    page.get_by_role("button", name=f"Enrol {code}").click()

    expect(page.get_by_role("status").filter(has_text=f"{code} enrolled in the NK cells + conventional treatment arm.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Casebook {code}")).to_be_visible()
    expect(page.get_by_text("status enrolled")).to_be_visible()
    [subject] = study.row(Subject, code=code)
    assert (subject.status, subject.arm) == ("enrolled", "NK")
    [confirmed] = study.ledger("eligibility.confirmed")
    assert confirmed.actor.name == "Dr Parisa Investigator" and confirmed.payload["meaning"] == "eligibility_confirmed"
    [enrolled] = study.ledger("subject.enrolled")
    assert enrolled.record.subject == code and enrolled.payload["arm"] == "NK"
