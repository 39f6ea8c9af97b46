"""Random and hostile posts to every declared form, through the real CRF routes: strings where
numbers belong, huge values, unicode (NUL, RTL marks, other scripts' digits), HTML and script, SQL
fragments, missing and duplicated fields, stale or forged CSRF tokens, forged revisions and form
versions.  Whatever arrives: never a 5xx; a refusal always says why and writes nothing (no row, no
ledger entry); an acceptance keeps the ledger verifiable and the tables equal to its replay; and
nothing posted is ever reflected unescaped."""
from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from edc.crf.wtf import MISSING_SUFFIX
from edc.models import FormInstance, ItemValue, LedgerEntry, Subject
from edc.services.crf import REASONS_FOR_CHANGE
from edc.services.ledger_audit import verify_database
from edc.services.replay import compare_with_tables
from forms.core import MISSING_REASONS, Field, FormDef
from forms.registry import all_forms
from forms.schedule import all_events
from tests.fixtures.accounts import csrf_token_from

EXAMPLES = 20

SCRIPT = "<script>alert('edc')</script>"
IMG = '"><img src=x onerror=alert(1)>'
REFLECTED = ("<script>alert(", "<img src=x")
"""What would run in a browser if a posted value came back unescaped."""

HOSTILE = (
    SCRIPT, IMG, "</textarea><b>bold</b>", "'; DROP TABLE item_values; --", "1 OR 1=1", "' OR ''='",
    "\x00", "dose\x00 8", "\u202eevil\u202c", "\u200f12", "\ufeff", "٣", "۱۲", "１２", "²", "Ⅻ",
    "9" * 400, "-" + "9" * 40, "1e309", "NaN", "Infinity", "-0", "0x1F", "1_000", "8,5", " 8.00 ", "\t\n",
    "😀" * 30, "x" * 5000, "2026-02-30", "2026-13-01", "99999-01-01", "0000-00-00", "25:61", "2026-11-02T25:00",
    "null", "None", "[]", "{}", "%s%s%n", "../../etc/passwd",
)
CLEAR = ('class="flash error"', 'class="error-message"', "Confirm the change")
"""Every refusal shows one of these: a field-level or page-level error, or the change confirmation."""


def slot_of(form: FormDef) -> str:
    spec = next(e for e in all_events() if form.key in e.forms)
    return f"{spec.key}/1/{form.key}/1"


def plausible(spec: Field) -> st.SearchStrategy[str]:
    if spec.type in ("code", "yesno"):
        return st.sampled_from([code for code, _ in spec.choices])
    if spec.type == "integer":
        low = int(spec.min) if spec.min is not None else -10**6
        high = int(spec.max) if spec.max is not None else 10**6
        return st.integers(low - 2, high + 2).map(str)
    if spec.type == "decimal":
        return st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False).map(str)
    if spec.type == "date":
        return st.dates(date(1990, 1, 1), date(2030, 12, 31)).map(lambda d: d.isoformat())
    if spec.type == "datetime":
        return st.datetimes().map(lambda d: d.isoformat(sep=" ", timespec="minutes"))
    if spec.type == "time":
        return st.times().map(lambda t: t.isoformat(timespec="minutes"))
    return st.text(max_size=60)


def value_for(spec: Field) -> st.SearchStrategy[str]:
    return st.one_of(plausible(spec), plausible(spec), st.sampled_from(HOSTILE), st.text(max_size=40))


@st.composite
def hostile_post(draw, form: FormDef) -> dict:
    """The fields of one post (as name/value pairs: names may repeat) and how its hidden fields lie."""
    pairs: list[tuple[str, str]] = []
    for spec in form.entered_fields:
        shape = draw(st.sampled_from(("value", "value", "value", "missing", "duplicated")))
        if shape == "missing":
            continue
        pairs.append((spec.name, draw(value_for(spec))))
        if shape == "duplicated":
            pairs.append((spec.name, draw(value_for(spec))))
        if draw(st.integers(0, 9)) == 0:
            pairs.append((spec.name + MISSING_SUFFIX, draw(st.sampled_from([c for c, _ in MISSING_REASONS] + ["", "XX", SCRIPT]))))
    if draw(st.booleans()):
        pairs += [("confirm", draw(st.sampled_from(("yes", "no", SCRIPT)))),
                  ("reason_code", draw(st.sampled_from([c for c, _ in REASONS_FOR_CHANGE] + ["", "FORGED", SCRIPT]))),
                  ("reason_text", draw(st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE))))]
    if draw(st.integers(0, 4)) == 0:
        pairs.append((draw(st.sampled_from(("unknown_field", "id", "subject_id", "__proto__"))), draw(st.sampled_from(HOSTILE))))
    return {
        "pairs": pairs,
        "csrf": draw(st.sampled_from(("valid", "valid", "valid", "valid", "other session", "garbage", "missing"))),
        "revision": draw(st.sampled_from(("current", "current", "current", "0", "999", "-1", "²", "٣", "abc", "missing"))),
        "form_version": draw(st.sampled_from(("real", "real", "real", "0", "2", "999", "-1", "²", "abc", "missing"))),
    }


def snapshot(db, subject_id: int) -> tuple:
    """Everything a refused post must leave untouched."""
    db.expire_all()
    ledger = db.execute(select(func.count(), func.max(LedgerEntry.seq)).select_from(LedgerEntry)).one()
    instances = db.execute(select(FormInstance.id, FormInstance.revision, FormInstance.status, FormInstance.removed)
                           .where(FormInstance.subject_id == subject_id).order_by(FormInstance.id)).all()
    values = db.execute(select(ItemValue.instance_id, ItemValue.field, ItemValue.value, ItemValue.missing_reason)
                        .join(FormInstance, FormInstance.id == ItemValue.instance_id)
                        .where(FormInstance.subject_id == subject_id).order_by(ItemValue.id)).all()
    return tuple(ledger), tuple(map(tuple, instances)), tuple(map(tuple, values))


@pytest.fixture
def entry(app, client, db, make_user, login, make_subject):
    """A coordinator logged in, an NK-arm subject with consent, enrolled (so every gate is open),
    and a CSRF token from somebody else's session."""
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    db.execute(update(Subject).where(Subject.id == subject.id).values(status="enrolled", arm="NK", enrolled_on=date(2026, 11, 5)))
    db.commit()
    login(client, coordinator)
    other = app.test_client()
    login(other, make_user("coordinator"))
    return {"client": client, "subject": subject, "other_token": csrf_token_from(other.get("/").data)}


def hidden_fields(post: dict, page: str, other_token: str, form: FormDef) -> list[tuple[str, str]]:
    token = {"valid": csrf_token_from(page), "other session": other_token, "garbage": "IjEyMyI.forged.token"}.get(post["csrf"])
    current = re.search(r'name="revision" type="hidden" value="(\d*)"', page).group(1)
    revision = {"current": current, "missing": None}.get(post["revision"], post["revision"])
    version = {"real": str(form.version), "missing": None}.get(post["form_version"], post["form_version"])
    return [(name, value) for name, value in (("csrf_token", token), ("revision", revision), ("form_version", version))
            if value is not None]


SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _post(client, path: str, hidden: list, pairs: list):
    return client.post(path, data=MultiDict(hidden + pairs))


@pytest.mark.parametrize("form", all_forms(), ids=lambda f: f.key)
def test_hostile_posts_never_fail_the_server_and_a_refusal_writes_nothing(form, entry, db):
    client, subject = entry["client"], entry["subject"]
    path = f"/subjects/{subject.code}/forms/{slot_of(form)}"
    statuses: list[int] = []

    @SETTINGS
    @given(post=hostile_post(form))
    def one_post(post):
        page = client.get(path)
        assert page.status_code == 200
        before = snapshot(db, subject.id)
        response = _post(client, path, hidden_fields(post, page.get_data(as_text=True), entry["other_token"], form), post["pairs"])
        body = response.get_data(as_text=True)
        statuses.append(response.status_code)

        assert response.status_code < 500, body[:2000]
        assert not any(marker in body for marker in REFLECTED), "a posted value came back unescaped"
        if response.status_code == 302:
            shown = client.get(path).get_data(as_text=True)
            assert not any(marker in shown for marker in REFLECTED), "a stored value is shown unescaped"
            assert verify_database(db).ok
            assert compare_with_tables(db) == []
            return
        assert any(words in body for words in CLEAR), f"status {response.status_code} without a message:\n{body[:2000]}"
        assert snapshot(db, subject.id) == before, "a refused post wrote something"
        if post["csrf"] != "valid":
            assert response.status_code == 400 and "Form expired" in body

    one_post()
    assert {400, 422} <= set(statuses), f"both forged tokens and malformed values were tried: {sorted(set(statuses))}"


TEXT_ATTACKS = (SCRIPT, IMG, "</textarea><script>alert(2)</script>", "'; DROP TABLE item_values; --", "1' OR '1'='1",
                "\u202eevil\u202c", "\u200fنام دارو", "😀 dose", "{{ 7*7 }}", "${7*7}", "&lt;escaped&gt; &amp;")


def plausible_in_range(spec: Field) -> st.SearchStrategy[str]:
    if spec.type == "integer":
        return st.integers(int(spec.min) if spec.min is not None else 0, int(spec.max) if spec.max is not None else 1000).map(str)
    if spec.type == "decimal":
        low = spec.min if spec.min is not None else 0
        high = spec.max if spec.max is not None else 1000
        return st.decimals(min_value=low, max_value=high, places=1, allow_nan=False, allow_infinity=False).map(str)
    if spec.type == "text":
        return st.sampled_from([t for t in TEXT_ATTACKS if len(t) <= spec.max_length])
    return plausible(spec)


@pytest.mark.parametrize("form", all_forms(), ids=lambda f: f.key)
def test_script_and_sql_in_free_text_are_stored_verbatim_and_always_shown_escaped(form, entry, db):
    """Plausible values everywhere, attacks in every free-text field, a valid token and a reason:
    what is accepted is stored exactly as typed and never comes back as markup."""
    client, subject = entry["client"], entry["subject"]
    event_key, _, form_key, _ = slot_of(form).split("/")
    counter = iter(range(1, 10_000))
    statuses: list[int] = []

    @SETTINGS
    @given(values=st.fixed_dictionaries({spec.name: plausible_in_range(spec) for spec in form.entered_fields}))
    def one_post(values):
        repeat = next(counter) if form.repeating else 1
        path = f"/subjects/{subject.code}/forms/{event_key}/1/{form_key}/{repeat}"
        page = client.get(path).get_data(as_text=True)
        before = snapshot(db, subject.id)
        response = _post(client, path, hidden_fields({"csrf": "valid", "revision": "current", "form_version": "real"}, page,
                                                     "", form),
                         list(values.items()) + [("confirm", "yes"), ("reason_code", "OTHER"), ("reason_text", SCRIPT)])
        body = response.get_data(as_text=True)
        statuses.append(response.status_code)
        assert response.status_code < 500, body[:2000]
        assert not any(marker in body for marker in REFLECTED)
        if response.status_code != 302:
            assert any(words in body for words in CLEAR) and snapshot(db, subject.id) == before
            return
        shown = client.get(path).get_data(as_text=True)
        assert not any(marker in shown for marker in REFLECTED), "a stored value is shown unescaped"
        db.expire_all()
        instance = db.execute(select(FormInstance).where(FormInstance.subject_id == subject.id, FormInstance.form_key == form_key,
                                                         FormInstance.repeat_no == repeat)).scalar_one()
        stored = {v.field: v.value for v in instance.values if not v.derived}
        for spec in form.entered_fields:
            if spec.type == "text":
                assert stored.get(spec.name) == values[spec.name].strip(), spec.name
        assert compare_with_tables(db) == []

    one_post()
    assert verify_database(db).ok
    if form.key in ("conmeds", "baseline_conditions", "chemotherapy"):
        assert 302 in statuses, f"{form.key}: no plausible post was accepted, so the stored-value path went untested"
