"""The hostile inputs that must be hit every run (the property test samples them, these pin them):
NUL and other control characters in free text, digits of other scripts in hidden numbers,
forged versions, and the request size cap."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from edc.models import FormInstance, ItemValue, LedgerEntry
from tests.fixtures.accounts import csrf_token_from

URL = "/subjects/{code}/forms/logs/1/conmeds/1"
VALID = {"CMTRT": "ondansetron", "CMDOSE_MG_DAY": "8.00", "CMROUTE": "IV", "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"}


@pytest.fixture
def coordinator_client(client, make_user, login, make_subject):
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    login(client, coordinator)
    return client, URL.format(code=subject.code)


def _state(db) -> tuple:
    db.expire_all()
    return (db.execute(select(func.count()).select_from(LedgerEntry)).scalar_one(),
            db.execute(select(func.count()).select_from(FormInstance)).scalar_one(),
            tuple(db.execute(select(ItemValue.field, ItemValue.value).order_by(ItemValue.id)).all()))


def _post(client, path: str, values: dict, **hidden):
    page = client.get(path).get_data(as_text=True)
    revision = page.split('name="revision" type="hidden" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_token_from(page), "revision": revision, "form_version": "1", **values}
    data.update(hidden)
    return client.post(path, data=data)


CONTROL_TEXT = [
    ("NUL alone", "\x00"),
    ("NUL inside a name", "ondan\x00setron"),
    ("a backspace", "ondansetron\x08"),
    ("an escape sequence", "\x1b[31mondansetron"),
    ("a DEL character", "ondansetron\x7f"),
]


@pytest.mark.parametrize(("case", "text"), CONTROL_TEXT, ids=[c for c, _ in CONTROL_TEXT])
def test_control_characters_in_free_text_are_refused_with_the_field_named_and_nothing_written(case, text, coordinator_client, db):
    client, path = coordinator_client
    before = _state(db)
    response = _post(client, path, {**VALID, "CMTRT": text})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Medication (generic name): remove the invisible control character" in body
    assert _state(db) == before


def test_line_breaks_and_tabs_are_ordinary_text_and_are_kept(coordinator_client, db):
    client, path = coordinator_client
    assert _post(client, path, {**VALID, "CMTRT": "ondansetron\tIV"}).status_code == 302
    assert dict(_state(db)[2])["CMTRT"] == "ondansetron\tIV"


def test_right_to_left_marks_and_persian_text_are_ordinary_text(coordinator_client, db):
    client, path = coordinator_client
    text = "\u202bاندانسترون\u202c"
    assert _post(client, path, {**VALID, "CMTRT": text}).status_code == 302
    assert dict(_state(db)[2])["CMTRT"] == text


def test_a_nul_in_the_reason_for_change_is_refused_with_a_message(coordinator_client, db):
    client, path = coordinator_client
    assert _post(client, path, VALID).status_code == 302
    before = _state(db)
    response = _post(client, path, {**VALID, "CMDOSE_MG_DAY": "9.00"}, confirm="yes", reason_code="TRANSCRIPTION",
                     reason_text="typo\x00")
    assert response.status_code == 422
    assert "remove the invisible control character" in response.get_data(as_text=True)
    assert _state(db) == before


FORGED_HIDDEN = [
    ("a superscript revision", {"revision": "²"}, 409),
    ("an Arabic-Indic revision", {"revision": "٣"}, 409),
    ("a revision beyond any integer column", {"revision": "9" * 30}, 409),
    ("a superscript form version", {"form_version": "²"}, 409),
    ("a form version from the future", {"form_version": "2"}, 409),
    ("a form version of 0", {"form_version": "0"}, 409),
    ("a form version that is not a number", {"form_version": "v1"}, 409),
]


@pytest.mark.parametrize(("case", "hidden", "status"), FORGED_HIDDEN, ids=[c for c, _, _ in FORGED_HIDDEN])
def test_forged_hidden_fields_are_refused_as_stale_and_nothing_is_written(case, hidden, status, coordinator_client, db):
    client, path = coordinator_client
    assert _post(client, path, VALID).status_code == 302
    before = _state(db)
    response = _post(client, path, {**VALID, "CMTRT": "granisetron"}, **hidden)
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "Nothing was saved" in body and "reload" in body
    assert _state(db) == before


def test_a_request_over_the_size_cap_gets_the_too_large_page_and_nothing_is_written(monkeypatch, database_url, ledger_key_file,
                                                                                    tmp_path, make_user, login, make_subject):
    from edc import create_app

    monkeypatch.setenv("EDC_MAX_REQUEST_BYTES", "65536")
    app = create_app({"TESTING": True, "EDC_DATABASE_URL": database_url, "EDC_LEDGER_KEY_FILE": str(ledger_key_file),
                      "EDC_CHECKPOINT_EVERY": 0, "SERVER_NAME": "edc.test"})
    try:
        assert app.config["MAX_CONTENT_LENGTH"] == 65536
        client = app.test_client()
        coordinator = make_user("coordinator")
        subject = make_subject(coordinator)
        login(client, coordinator)
        path = URL.format(code=subject.code)
        page = client.get(path).get_data(as_text=True)
        response = client.post(path, data={"csrf_token": csrf_token_from(page), "revision": "0", "form_version": "1",
                                           **VALID, "CMTRT": "x" * 70_000})
        assert response.status_code == 413
        assert "Too large" in response.get_data(as_text=True) and "Nothing was saved" in response.get_data(as_text=True)
        small = client.post(path, data={"csrf_token": csrf_token_from(page), "revision": "0", "form_version": "1", **VALID})
        assert small.status_code == 302, "a request under the cap is served as usual"
    finally:
        app.extensions["edc_engine"].dispose()


HUGE_NUMBERS = [
    ("5000 digits (beyond Python's int conversion limit)", "9" * 5000),
    ("5000 digits with a sign", "-" + "9" * 5000),
    ("a decimal of 40 digits", "1" * 40 + ".5"),
]


@pytest.mark.parametrize(("case", "number"), HUGE_NUMBERS, ids=[c for c, _ in HUGE_NUMBERS])
def test_a_huge_number_is_refused_as_out_of_range_not_a_server_error(case, number, coordinator_client, db):
    client, path = coordinator_client
    chemo = path.replace("/logs/1/conmeds/1", "/chemo/1/chemotherapy/1")
    before = _state(db)
    response = _post(client, chemo, {"CHEMO_NO": number, "REGIMEN": "COJEC", "CHEMO_STDT": "2026-11-06", "CHEMO_ENDT": ""})
    assert response.status_code == 422
    assert "Course number" in response.get_data(as_text=True) or "whole number" in response.get_data(as_text=True)
    assert _state(db) == before


def test_a_nul_in_a_query_text_is_never_a_server_error_and_a_refusal_says_why(coordinator_client, db, app, make_user, login):
    from edc.models import Query

    client, path = coordinator_client
    assert _post(client, path, VALID).status_code == 302
    monitor = app.test_client()
    login(monitor, make_user("monitor"))
    page = monitor.get(path).get_data(as_text=True)
    db.expire_all()
    queries_before = db.execute(select(func.count()).select_from(Query)).scalar_one()
    response = monitor.post(path + "/queries", data={"csrf_token": csrf_token_from(page), "field": "CMTRT",
                                                     "text": "Please check\x00 the name"})
    body = response.get_data(as_text=True)
    assert response.status_code in (302, 422), body[:500]
    if response.status_code == 422:  # PostgreSQL cannot store NUL in text
        assert "Value not accepted" in body and "Nothing was saved" in body and "Traceback" not in body
        db.expire_all()
        assert db.execute(select(func.count()).select_from(Query)).scalar_one() == queries_before
