"""Monitoring in a real browser: the monitor verifies a form against source and raises a query, the site
answers it (correcting the value with the reason "Response to a query"), and the investigator signs the
whole casebook with password and a fresh authenticator code."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from edc.models import ESignature, Query
from tests.e2e.arrange import COURSE, days_ago
from tests.e2e.pages import form_url, log_in, reauthenticate, shoot


def test_the_monitor_verifies_a_form_against_source_and_raises_a_query(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("CONTROL")
    study.save(code, "chemo", "chemotherapy", COURSE)
    page = new_page()
    log_in(page, study.monitor, forget_last_code)

    expect(page.get_by_role("region", name="SDV pending")).to_contain_text(code)
    page.goto(form_url(code, "chemo", "chemotherapy"))
    expect(page.get_by_label("Regimen")).to_be_disabled()
    expect(page.get_by_text("Source data verification:")).to_contain_text("pending")
    page.get_by_role("link", name="Verify against source").click()

    expect(page.get_by_role("heading", name=re.compile("^Verify Chemotherapy course"))).to_be_visible()
    page.get_by_label("Chemotherapy course number").check()
    page.get_by_label("Regimen").check()
    page.get_by_role("button", name="Verify the ticked fields").click()
    expect(page.get_by_role("status").filter(has_text="Verified 2 field(s) against source.")).to_be_visible()
    expect(page.get_by_text("2 of 4 fields verified")).to_be_visible()
    page.get_by_role("button", name="Verify the whole form").click()
    expect(page.get_by_role("status").filter(has_text="Whole form verified (2 field(s) newly marked).")).to_be_visible()
    expect(page.get_by_text("4 of 4 fields verified")).to_be_visible()
    shoot(page, shots, "01-sdv-verified")

    page.get_by_role("link", name="open the form").click()
    expect(page.get_by_text("Source data verification:")).to_contain_text("verified")
    ask = page.get_by_role("region", name="Raise a query")
    ask.get_by_label("Field").select_option(label="Last day of the course")
    ask.get_by_label("Question for the site").fill("The infusion chart shows cyclophosphamide on one more day: please check the last day.")
    ask.get_by_role("button", name="Open query").click()

    expect(page.get_by_role("status").filter(has_text="Query opened")).to_be_visible()
    queries = page.get_by_role("region", name="Queries")
    expect(queries.get_by_role("row").filter(has_text="CHEMO_ENDT")).to_contain_text("open")
    shoot(page, shots, "02-query-raised")
    [query] = study.row(Query, field="CHEMO_ENDT")
    assert (query.state, query.opener_role, query.automatic) == ("open", "monitor", False)
    verified = study.ledger("sdv.verified")
    assert [sorted(e.payload["fields"]) for e in verified] == [["CHEMO_NO", "REGIMEN"], ["CHEMO_ENDT", "CHEMO_STDT"]]
    assert {e.actor.name for e in verified} == {"Mina Monitor"}
    [opened] = study.ledger("query.opened")
    assert opened.record.field == "CHEMO_ENDT" and opened.record.subject == code


def test_the_site_corrects_the_value_and_answers_the_query(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("CONTROL")
    instance_id = study.save(code, "chemo", "chemotherapy", COURSE)
    query_id = study.open_query(instance_id, "CHEMO_ENDT", "Source shows one more day of cyclophosphamide: please check.")
    page = new_page()
    log_in(page, study.coordinator, forget_last_code)

    waiting = page.get_by_role("region", name="Open queries for your site")
    expect(waiting).to_contain_text(code)
    waiting.get_by_role("link", name=f"#{query_id}").click()
    expect(page.get_by_role("heading", name=f"Query #{query_id} · open")).to_be_visible()
    expect(page.get_by_role("paragraph").filter(has_text="Source shows one more day of cyclophosphamide")).to_be_visible()

    page.get_by_role("region", name="Answer").get_by_role("link", name="open the form").click()
    page.get_by_label(re.compile("^Last day of the course")).fill(days_ago(9))
    page.get_by_role("button", name="Save").click()
    page.get_by_label("Reason for change").select_option(label="Response to a query")
    page.get_by_label("Explain the change").fill("Cyclophosphamide was given on one more day (nursing chart)")
    page.get_by_role("button", name="Confirm change").click()
    expect(page.get_by_role("status").filter(has_text="Saved Chemotherapy course.")).to_be_visible()

    page.get_by_role("region", name="Queries").get_by_role("link", name="Open").click()
    page.get_by_label("Your reply").fill(f"Corrected to {days_ago(9)} from the nursing chart.")
    shoot(page, shots, "01-answer-written")
    page.get_by_role("button", name="Send answer").click()

    expect(page.get_by_role("status").filter(has_text="Answer sent; the query is now answered.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Query #{query_id} · answered")).to_be_visible()
    expect(page.get_by_role("region", name="History").get_by_role("row").filter(has_text="answered")).to_contain_text(
        f"Corrected to {days_ago(9)}")
    expect(page.get_by_role("region", name="Answer")).to_have_count(0)
    shoot(page, shots, "02-query-answered")
    [query] = study.row(Query, id=query_id)
    assert query.state == "answered"
    [answered] = study.ledger("query.answered")
    assert answered.actor.name == "Sara Coordinator" and answered.record.subject == code
    [updated] = study.ledger("crf.updated")
    assert updated.reason == "Response to a query: Cyclophosphamide was given on one more day (nursing chart)"


def test_the_investigator_signs_the_casebook_after_re_authenticating(study, new_page, shots, forget_last_code):
    code = study.enrolled_subject("CONTROL")
    study.save(code, "chemo", "chemotherapy", COURSE)
    page = new_page()
    log_in(page, study.investigator, forget_last_code)
    page.goto(f"/subjects/{code}")
    page.get_by_role("link", name="Sign the casebook").click()

    expect(page.get_by_role("heading", name=f"Sign the whole casebook of {code}")).to_be_visible()
    content_sha = page.locator("code.mono").first.inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", content_sha)
    members = page.get_by_role("table").filter(has_text="Forms included")
    expect(members.get_by_role("row").filter(has_text="screening.1/screening.1")).to_be_visible()
    expect(members.get_by_role("row").filter(has_text="chemo.1/chemotherapy.1")).to_be_visible()
    meaning = page.get_by_role("group", name="Meaning of your signature")
    meaning.get_by_label("Approval: I approve this record").check()

    page.get_by_label("Password").fill("not my password")
    page.get_by_label("Authenticator code").fill("000000")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("status").filter(
        has_text="Signature refused: the password or the authenticator code was not accepted.")).to_be_visible()
    assert study.row(ESignature, scope="casebook") == []
    expect(meaning.get_by_label("Approval: I approve this record")).to_be_checked()

    reauthenticate(page, study.investigator, forget_last_code)
    shoot(page, shots, "01-sign-casebook")
    page.get_by_role("button", name="Sign", exact=True).click()

    expect(page.get_by_role("status").filter(has_text="Signed 1 record(s) as approval: Dr Parisa Investigator.")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Signatures of {code}")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=content_sha)
    expect(row).to_contain_text("Dr Parisa Investigator")
    expect(row).to_contain_text("approval: I approve this record")
    expect(row).to_contain_text("valid")
    expect(row).to_contain_text("bound to this content")
    shoot(page, shots, "02-casebook-signed")
    [signature] = study.row(ESignature, scope="casebook")
    assert (signature.content_sha256, signature.meaning, signature.valid) == (content_sha, "approval", True)
    [signed] = [e for e in study.ledger("signature.signed") if e.payload.get("scope") == "casebook"]
    assert signed.actor.name == "Dr Parisa Investigator" and signed.payload["content_sha256"] == content_sha
