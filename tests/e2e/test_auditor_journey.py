"""The auditor in a real browser: verify the whole ledger while the page follows the run's progress, then
take the offline bundle home and verify it there with audit.bundle."""
from __future__ import annotations

import hashlib
import threading
import zipfile

from playwright.sync_api import expect

from audit.bundle import verify_bundle
from tests.e2e.arrange import COURSE
from tests.e2e.pages import log_in, shoot


def test_the_auditor_verifies_the_ledger_in_the_browser_and_downloads_a_bundle_that_verifies_offline(
    study, new_page, shots, forget_last_code, monkeypatch, tmp_path
):
    from edc.services import ledger_audit

    code = study.enrolled_subject("NK")
    study.save(code, "chemo", "chemotherapy", COURSE)
    auditor = study.auditor

    reached, release = threading.Event(), threading.Event()
    verify = ledger_audit.verify_database

    def paced(session, **options):
        """The real verifier, held after its first progress report until the test has seen the progress bar
        (a ledger this small is otherwise verified before the page can show it)."""
        progress = options.pop("progress")

        def report(done: int) -> None:
            progress(done)
            reached.set()
            release.wait(20)

        return verify(session, progress=report, **options)

    monkeypatch.setattr(ledger_audit, "verify_database", paced)
    page = new_page()
    log_in(page, auditor, forget_last_code)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Ledger").click()
    expect(page.get_by_role("heading", name="Audit ledger")).to_be_visible()
    page.get_by_role("button", name="Verify the whole ledger now").click()

    expect(page.get_by_role("heading", name="Ledger verification")).to_be_visible()
    assert reached.wait(15), "the verification run never reported progress"
    bar = page.get_by_role("progressbar", name="Progress: verifying entries")
    expect(bar).to_be_visible()
    entries = len(study.ledger())
    expect(page.locator("#verify-count")).to_have_text(f"{entries} of {entries} entries")
    assert bar.evaluate("el => [el.value, el.max]") == [entries, entries]
    shoot(page, shots, "01-verification-progress")
    release.set()

    verdict = page.get_by_role("status").filter(has_text="Ledger INTACT.")
    expect(verdict).to_be_visible(timeout=15_000)
    expect(verdict).to_have_class("verdict ok")
    expect(page.locator("#entries-checked")).to_have_text(str(entries))
    expect(page.locator("#precedence-ok")).to_contain_text("For the one subject, no screening")
    shoot(page, shots, "02-ledger-intact")

    page.get_by_role("link", name="Back to the ledger page").click()
    expect(page.get_by_role("table").filter(has_text="Recent verification runs")).to_contain_text("intact")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the offline bundle").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    archive = tmp_path / download.suggested_filename
    download.save_as(archive)

    with zipfile.ZipFile(archive) as bundle:
        names = bundle.namelist()
        [entries_file] = [name for name in names if name.endswith("entries.jsonl")]
        bundle.extractall(tmp_path / "unpacked")
    folder = (tmp_path / "unpacked" / entries_file).parent
    report = verify_bundle(folder)
    assert report.ok, report.problem
    assert report.entries_checked == entries
    [exported] = study.ledger("export.ledger_bundle")
    assert exported.actor.name == "Arash Auditor" and exported.actor.role == "auditor"
    assert exported.payload["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert exported.payload["entries"] == entries
