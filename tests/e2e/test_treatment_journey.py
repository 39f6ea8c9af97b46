"""Treatment, safety and response forms in a real browser, entered by the site's coordinator on the
generic eCRF page: a chemotherapy course, NK product release and infusion, an adverse event coded with
CTCAE, and tumour assessments with the derived INRC response."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from edc.models import Subject
from tests.e2e.arrange import BASELINE, COURSE, INFUSION, PRODUCT, days_ago
from tests.e2e.pages import derived_value, fill_form, log_in, shoot


def open_casebook_form(page, code: str, event_row: str, form_title: str, heading: str | None = None) -> None:
    """Casebook grid -> the form's cell in the named event row."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Subjects").click()
    page.get_by_role("link", name=code, exact=True).click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(f"^{re.escape(event_row)}")))
    row.get_by_role("link", name=form_title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading or form_title)


def test_the_coordinator_records_a_chemotherapy_course(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("CONTROL")
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)
    open_casebook_form(page, code, "Chemotherapy course 1", "Chemotherapy course")

    fill_form(page, COURSE)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Saved Chemotherapy course.")).to_be_visible()
    expect(derived_value(page, "CHEMO_DAYS")).to_have_text("5")
    shoot(page, shots, "01-chemotherapy-saved")
    page.get_by_role("link", name=f"Casebook {code}").click()
    chemo_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Chemotherapy course 1")))
    expect(chemo_row).to_contain_text("complete")
    expect(page.get_by_role("rowheader", name=re.compile("^Chemotherapy course 2"))).to_be_visible()
    [created] = study.ledger("crf.created")[-1:]
    assert created.record.form == "chemotherapy" and created.record.subject == code
    assert {"field": "CHEMO_DAYS", "old": None, "new": "5"} in created.payload["derived"]


def test_the_nk_product_is_released_on_its_tests_and_the_infusion_is_recorded(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("NK")
    study.save(code, "chemo", "chemotherapy", COURSE)
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)

    open_casebook_form(page, code, "NK-cell infusion 1", "NK-cell product (per bag)")
    fill_form(page, {**PRODUCT, "QC_VIAB_POSTTHAW": "60"})
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="The form was not saved: a protocol check failed.")).to_be_visible()
    viability = page.get_by_label(re.compile(r"^Viability after thaw"))
    expect(viability).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").filter(has_text="Post-thaw viability 60")).to_be_visible()

    viability.fill("85")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved NK-cell product (per bag).")).to_be_visible()
    expect(derived_value(page, "RELEASE_QC_PASSED")).to_have_text("Y")
    expect(derived_value(page, "QC_CD3_PER_KG")).to_have_text("40000")
    shoot(page, shots, "01-nk-product-released", at=page.get_by_role("region", name="Derived values"))

    page.get_by_role("link", name=f"Casebook {code}").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^NK-cell infusion 1")))
    row.get_by_role("link", name="NK-cell infusion").click()
    fill_form(page, INFUSION)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Saved NK-cell infusion.")).to_be_visible()
    expect(derived_value(page, "DAYS_AFTER_CHEMO")).to_have_text("8")
    expect(derived_value(page, "DOSE_PLANNED")).to_have_text("100000000")
    expect(derived_value(page, "DOSE_DEV_PCT")).to_have_text(re.compile(r"^0(\.0+)?$"))
    expect(derived_value(page, "THAW_TO_START_MIN")).to_have_text("30")
    expect(page.get_by_label("Thawed at")).to_have_value(f"{INFUSION['INF_DT']}T09:00")
    shoot(page, shots, "02-infusion-saved", at=page.get_by_role("region", name="Derived values"))
    [subject] = study.row(Subject, code=code)
    assert subject.status == "on_treatment"
    saved = [e for e in study.ledger("crf.created") if e.record.form == "infusion"]
    assert len(saved) == 1 and saved[0].record.instance == "infusion.1/infusion.1"


def test_an_adverse_event_is_coded_from_the_ctcae_list_with_a_grade_the_term_defines(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("CONTROL")
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)
    open_casebook_form(page, code, "Logs", "Adverse event (add)", "Adverse event #1")

    term = page.get_by_label(re.compile(r"^Adverse event \(CTCAE v5.0 term\)"))
    expect(term).to_have_attribute("list", "ctcae-terms")
    term.press_sequentially("Fatig")
    # Headless Chromium draws no suggestion popup, so the pick is made from the datalist's own options: the
    # ones the browser would suggest for what was typed.
    suggestions = page.locator("#ctcae-terms option").evaluate_all(
        "(options, typed) => options.map(o => o.value).filter(v => v.toLowerCase().includes(typed.toLowerCase()))",
        term.input_value())
    assert suggestions == ["Fatigue"], suggestions
    term.fill(suggestions[0])
    term.press("Tab")
    expect(term).to_have_value("Fatigue")

    panel = page.locator("#grade-definitions")
    expect(panel.get_by_role("heading")).to_have_text("Grades defined for Fatigue")
    expect(panel).to_contain_text("Fatigue not relieved by rest; limiting instrumental ADL")
    grade = page.get_by_label("CTCAE grade")
    for defined in ("1", "2", "3"):
        expect(grade.locator(f"option[value='{defined}']")).to_be_enabled()
    for undefined in ("4", "5"):
        expect(grade.locator(f"option[value='{undefined}']")).to_be_disabled()
    grade.select_option(label="2 Moderate")
    shoot(page, shots, "01-adverse-event-term-and-grade", at=grade)

    fill_form(page, {
        "AESTDTC": days_ago(3), "AEENDTC": days_ago(1), "AEONGO": "N", "AESER": "N", "AEREL_NK": "NA",
        "AEREL_CHEMO": "3", "AEACN_NK": "NA", "AEOUT": "RECOVERED", "AEEXPECT": "EXPECTED",
    })
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Saved Adverse event.")).to_be_visible()
    expect(derived_value(page, "AELLT_CD")).to_have_text("10016256")
    expect(derived_value(page, "AESOC")).to_contain_text("General disorders")
    expect(grade).to_have_value("2")
    [saved] = [e for e in study.ledger("crf.created") if e.record.form == "adverse_event"]
    assert {"field": "AETERM", "old": None, "new": "Fatigue", "old_missing": None, "new_missing": None} in saved.payload["changes"]


def test_tumour_assessments_at_baseline_and_after_treatment_show_the_derived_response(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("NK")
    study.save(code, "chemo", "chemotherapy", COURSE)
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)

    open_casebook_form(page, code, "Screening", "Tumour assessment")
    fill_form(page, BASELINE)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved Tumour assessment.")).to_be_visible()
    expect(derived_value(page, "CURIE_TOTAL")).to_have_text("0")

    page.get_by_role("link", name=f"Casebook {code}").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("^Response assessment 1")))
    row.get_by_role("link", name="Tumour assessment").click()
    fill_form(page, {**BASELINE, "ASSESS_DT": days_ago(0), "ASSESS_TYPE": "RESPONSE", "ASSESS_NO": "1",
                     "MIBG_DT": days_ago(0), "CTMRI_DT": days_ago(0), "BM_DT": days_ago(0), "PRIM_LD_MM": "30",
                     "PRIM_UPTAKE": "IMPROVED", "MET_NONTARGET": "ABSENT"})
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status").filter(has_text="Saved Tumour assessment.")).to_be_visible()
    expect(derived_value(page, "PRIM_RESP")).to_have_text("PR")
    expect(derived_value(page, "OVERALL_RESP")).to_have_text("PR")
    shoot(page, shots, "01-response-derived", at=page.get_by_role("region", name="Derived values"))
    [response] = [e for e in study.ledger("crf.created") if e.record.instance == "response.1/tumour_assessment.1"]
    assert {"field": "PRIM_RESP", "old": None, "new": "PR"} in response.payload["derived"]
