"""An auditor verifies the ledger from the browser: start, follow progress, read the result; after an
entry is rewritten in the database the result names the first bad sequence number."""
from __future__ import annotations

import re

import pytest

from tests.fixtures.accounts import ledger_entries
from tests.integration.auditor.conftest import tamper_entry, verify_in_browser


def test_an_intact_ledger_verifies_with_its_counts_and_key_history(study, auditor, client, db):
    from edc.services import ledger_audit

    count = ledger_audit.entry_count(db)
    run_url, state = verify_in_browser(client)
    assert state["state"] == "done"
    result = state["result"]
    assert result["ok"] is True and result["first_bad_seq"] is None
    assert result["entries_checked"] == count == state["total"]
    assert result["checkpoints_checked"] == 0
    assert [period["introduced_at_seq"] for period in result["key_history"]] == [1]
    assert state["precedence"] == {"subjects": 1, "problems": []}
    page = client.get(run_url).data.decode()
    assert "Ledger INTACT" in page
    assert f'id="entries-checked">{count}<' in page
    assert 'id="precedence-ok"' in page


def test_a_rewritten_entry_is_reported_with_its_sequence_number(study, auditor, client, db, app, backend):
    update = [e for e in ledger_entries(db, "crf.updated") if e.record.subject == study.subject_code][-1]
    tamper_entry(app, backend, update.seq, lambda body: body.replace(b"Sara Coordinator", b"Sara Coordinatrx"))
    run_url, state = verify_in_browser(client)
    result = state["result"]
    assert result["ok"] is False
    assert result["first_bad_seq"] == update.seq
    assert result["entries_checked"] == update.seq - 1
    assert f"entry {update.seq}" in result["problem"] and "signature" in result["problem"]
    page = client.get(run_url).data.decode()
    assert "Ledger verification FAILED" in page
    assert f'id="first-bad-seq">{update.seq}<' in page


def test_data_entered_before_consent_is_listed_by_the_precedence_check(auditor, client, app, make_site, make_user):
    from edc.db import get_session, transaction
    from edc.services import ledger as ledger_service
    from edc.wiring import actor_for, ledger_config
    from audit.entry import RecordRef

    coordinator = make_user("coordinator", make_site("RAH"))
    with app.app_context():
        db = get_session()
        with transaction(db):
            row = ledger_service.append(db, ledger_config(), actor=actor_for(coordinator.user), action="crf.created",
                                        record=RecordRef(site="RAH", subject="RAH-009", form="screening",
                                                         instance="screening.1/screening.1"),
                                        payload={"form_version": 1, "revision": 1, "status": "incomplete", "changes": [],
                                                 "derived": [], "rule_version": "screening/v1"})
    _, state = verify_in_browser(client)
    assert state["result"]["first_bad_seq"] == row.seq
    assert [p["seq"] for p in state["precedence"]["problems"]] == [row.seq]
    assert "before guardian permission" in state["precedence"]["problems"][0]["message"]


def test_a_running_verification_page_shows_a_progress_bar_driven_by_a_local_script(auditor, client, app):
    from pathlib import Path

    from edc.services.verification_runs import RUNS_FOLDER, RunStore

    store = RunStore(Path(app.instance_path) / RUNS_FOLDER)
    store.write("0123456789abcdef", {"id": "0123456789abcdef", "state": "running", "phase": "verifying entries",
                                     "done": 3000, "total": 10000, "started_at": "2026-01-01T00:00:00+00:00",
                                     "started_by": "Ava Auditor"})
    page = client.get("/auditor/ledger/verify/0123456789abcdef").data.decode()
    assert re.search(r'<progress id="verify-progress" max="10000" value="3000">', page)
    assert 'data-status-url="/auditor/ledger/verify/0123456789abcdef/status"' in page
    assert re.search(r'<script src="[^"]*/static/verify.js"></script>', page)
    assert not re.search(r"<script>(?!</script>)", page)
    assert client.get("/static/verify.js").status_code == 200


@pytest.mark.parametrize("run_id", ["0000000000000000", "../../etc/passwd", "ABCDEF0123456789", "short"])
def test_an_unknown_or_malformed_run_id_is_not_found(auditor, client, run_id):
    assert client.get(f"/auditor/ledger/verify/{run_id}/status").status_code == 404


@pytest.mark.parametrize("role", ["coordinator", "investigator", "monitor", "admin"])
def test_roles_without_ledger_verify_are_refused(make_user, login, client, role):
    from tests.fixtures.accounts import csrf_token_from

    login(client, make_user(role))
    assert client.get("/auditor/ledger").status_code == 403
    token = csrf_token_from(client.get("/").data)
    for url in ("/auditor/ledger/verify", "/auditor/bundle", "/auditor/proof", "/auditor/consistency", "/auditor/checkpoints"):
        assert client.post(url, data={"csrf_token": token}).status_code == 403
