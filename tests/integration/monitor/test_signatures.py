"""Part 11 e-signatures: re-authentication every time, investigators only, the content hash and the
signer's own signature, invalidation on change, re-signing, batch signing, and proof that a
signature cannot be moved to another record or version."""
from __future__ import annotations

import base64
import hashlib
import time

import pyotp
import pytest
from sqlalchemy import select

from audit.canonical import canonical_bytes
from tests.fixtures.accounts import app_session, csrf_token_from, ledger_entries
from tests.integration.monitor.support import VALID, form_target, instance_in, subject_in

SECOND = ("logs", 1, "conmeds", 2)


@pytest.fixture
def subject(team, make_subject, enter):
    subject = make_subject(team.coordinator)
    enter(team.coordinator, subject.code, VALID)
    return subject


def signatures_of(app, code):
    from edc.models import ESignature

    with app_session(app) as session:
        subject = subject_in(session, code)
        rows = list(session.execute(select(ESignature).where(ESignature.subject_id == subject.id, ESignature.scope != "consent")
                                    .order_by(ESignature.id)).scalars())
        session.expunge_all()
        return rows


def binding(app, signature_id, tamper=None):
    """verify_signature_binding, optionally after ``tamper(session, signature)`` (never committed)."""
    from edc.models import ESignature
    from edc.services.signatures import verify_signature_binding

    with app_session(app) as session:
        signature = session.get(ESignature, signature_id)
        if tamper:
            tamper(session, signature)
            session.flush()
        return verify_signature_binding(session, signature)


def test_an_investigator_signs_a_form_binding_content_hash_meaning_and_own_key(app, db, team, sign, subject):
    [signature] = sign(team.investigator, form_target(subject.code), "approval")
    with app_session(app) as session:
        instance = instance_in(session, subject.code)
        values = {v.field: {"value": v.value, "missing": v.missing_reason} for v in instance.values if not v.derived}
        document = {"subject": subject.code, "instance": "logs.1/conmeds.1", "form": "conmeds", "version": 1,
                    "revision": 1, "values": values, "derived": {}}
    assert signature.content_sha256 == hashlib.sha256(canonical_bytes(document)).hexdigest()
    assert signature.printed_name == "Dr Ivan Investigator" and signature.meaning == "approval" and signature.valid

    [entry] = ledger_entries(db, "signature.signed")
    public = team.investigator.user.signing_public_key
    assert entry.payload["content_sha256"] == signature.content_sha256
    assert entry.payload["meaning"] == "approval" and entry.payload["printed_name"] == "Dr Ivan Investigator"
    assert entry.payload["target"] == "logs.1/conmeds.1" and entry.record.subject == subject.code
    assert entry.payload["key_fingerprint"] == hashlib.sha256(public).hexdigest()[:16]
    assert base64.b64decode(entry.payload["user_signature"]) == signature.user_signature
    assert binding(app, signature.id).ok


def test_signing_requires_the_password_and_a_fresh_code_each_time(app, db, team, sign, fresh_code, subject):
    from edc.services.reauth import ReauthenticationFailed

    secret = team.investigator.totp_secret
    with pytest.raises(ReauthenticationFailed):
        sign(team.investigator, form_target(subject.code), password="not-the-password")
    with pytest.raises(ReauthenticationFailed):
        sign(team.investigator, form_target(subject.code), code=wrong_code(secret))
    code = fresh_code(team.investigator)
    sign(team.investigator, form_target(subject.code), code=code)
    with pytest.raises(ReauthenticationFailed):
        sign(team.investigator, form_target(subject.code), "review", code=code)
    assert len(signatures_of(app, subject.code)) == 1


def wrong_code(secret: str) -> str:
    """A six-digit code the authenticator does not show in the accepted window."""
    totp, now = pyotp.TOTP(secret), time.time()
    valid = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in valid)


@pytest.mark.parametrize("role", ["coordinator", "monitor", "data_manager", "auditor"])
def test_only_investigators_sign(app, team, sign, subject, role):
    from edc.services.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        sign(getattr(team, role), form_target(subject.code))
    assert signatures_of(app, subject.code) == []


def test_an_investigator_of_another_site_cannot_sign(app, team, sign, subject, make_site, make_user):
    from edc.services.errors import PermissionDenied

    outsider = make_user("investigator", make_site("TUMS"))
    with pytest.raises(PermissionDenied):
        sign(outsider, form_target(subject.code))


def test_an_edit_invalidates_the_signature_and_the_form_can_be_signed_again(app, db, team, sign, enter, subject):
    [first] = sign(team.investigator, form_target(subject.code), "review")
    enter(team.coordinator, subject.code, {**VALID, "CMDOSE_MG_DAY": "4.00"}, reason=("TRANSCRIPTION", "typo"))

    [old] = signatures_of(app, subject.code)
    assert not old.valid
    [update] = ledger_entries(db, "crf.updated")
    assert old.invalidated_reason == f"signature invalidated by change on {update.ts}"
    [invalidated] = ledger_entries(db, "signature.invalidated")
    assert invalidated.payload["signature_id"] == first.id
    assert not binding(app, first.id).ok

    [second] = sign(team.investigator, form_target(subject.code), "review")
    assert second.valid and second.content_sha256 != first.content_sha256
    assert binding(app, second.id).ok


def test_a_visit_signature_covers_its_forms_and_falls_with_any_of_them(app, team, sign, enter, subject):
    from edc.services.signatures import Target

    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=SECOND)
    [visit] = sign(team.investigator, lambda s: [Target("event", subject_in(s, subject.code), event_key="logs", event_repeat=1)])
    assert binding(app, visit.id).ok
    assert [m["instance"] for m in ledger_members(app, visit.ledger_seq)] == ["logs.1/conmeds.1", "logs.1/conmeds.2"]
    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "ibuprofen"}, slot=SECOND, reason=("TRANSCRIPTION", "wrong drug"))
    [after] = signatures_of(app, subject.code)
    assert not after.valid and after.invalidated_reason.startswith("signature invalidated by change on ")


def ledger_members(app, seq):
    from audit.entry import Entry
    from edc.models import LedgerEntry

    with app_session(app) as session:
        return Entry.from_bytes(bytes(session.get(LedgerEntry, seq).body)).payload["members"]


def test_a_casebook_signature_lists_every_form_hash(app, team, sign, enter, subject):
    from edc.services.signatures import Target, form_content

    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=SECOND)
    [casebook] = sign(team.investigator, lambda s: [Target("casebook", subject_in(s, subject.code))], "responsibility")
    with app_session(app) as session:
        subject_row = subject_in(session, subject.code)
        expected = [{"instance": i.ref, "sha256": form_content(subject_row, i).sha256}
                    for i in (instance_in(session, subject.code), instance_in(session, subject.code, SECOND))]
    assert ledger_members(app, casebook.ledger_seq) == expected
    assert binding(app, casebook.id).ok


def test_batch_signing_signs_several_forms_at_one_reauthentication(app, db, team, sign, enter, subject):
    from edc.services.signatures import Target

    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=SECOND)

    def both(session):
        subject_row = subject_in(session, subject.code)
        return [Target("form", subject_row, instance=instance_in(session, subject.code)),
                Target("form", subject_row, instance=instance_in(session, subject.code, SECOND))]

    before = len(ledger_entries(db, "auth.reauthenticated"))
    signed = sign(team.investigator, both, "authorship")
    assert [s.target for s in signed] == ["logs.1/conmeds.1", "logs.1/conmeds.2"]
    assert len({s.content_sha256 for s in signed}) == 2
    assert len(ledger_entries(db, "auth.reauthenticated")) == before + 1
    assert [e.payload["content_sha256"] for e in ledger_entries(db, "signature.signed")] == [s.content_sha256 for s in signed]
    assert all(binding(app, s.id).ok for s in signed)


def test_a_record_changed_after_review_is_not_signed(app, team, sign, subject):
    from edc.services.signatures import ContentChanged

    with pytest.raises(ContentChanged):
        sign(team.investigator, form_target(subject.code), expected={f"{subject.code}/logs.1/conmeds.1": "0" * 64})
    assert signatures_of(app, subject.code) == []


def test_a_signature_cannot_be_moved_to_another_record_or_version(app, team, sign, enter, make_subject, subject):
    from edc.models import FormInstance
    from edc.services.signatures import form_content

    other = make_subject(team.coordinator)
    enter(team.coordinator, other.code, VALID)
    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=SECOND)
    [signature] = sign(team.investigator, form_target(subject.code))
    assert binding(app, signature.id).ok

    def to_other_subject(session, s):
        s.subject_id = subject_in(session, other.code).id
        s.instance_id = instance_in(session, other.code).id

    def to_other_subject_with_its_hash(session, s):
        to_other_subject(session, s)
        s.content_sha256 = form_content(subject_in(session, other.code), instance_in(session, other.code)).sha256

    def to_other_form(session, s):
        s.instance_id = instance_in(session, subject.code, SECOND).id

    def to_other_form_renamed(session, s):
        second = instance_in(session, subject.code, SECOND)
        s.instance_id, s.target = second.id, second.ref
        s.content_sha256 = form_content(subject_in(session, subject.code), second).sha256

    def to_next_version(session, s):
        instance = session.get(FormInstance, s.instance_id)
        instance.revision += 1
        s.content_sha256 = form_content(subject_in(session, subject.code), instance).sha256

    def other_meaning(session, s):
        s.meaning = "approval"

    for tamper in (to_other_subject, to_other_subject_with_its_hash, to_other_form, to_other_form_renamed,
                   to_next_version, other_meaning):
        report = binding(app, signature.id, tamper)
        assert not report.ok, tamper.__name__
    assert binding(app, signature.id).ok


def test_the_signing_pages_sign_one_form_and_a_batch_and_refuse_bad_factors(app, db, client, login, team, fresh_code, enter, subject):
    enter(team.coordinator, subject.code, {**VALID, "CMTRT": "paracetamol"}, slot=SECOND)
    login(client, team.investigator)
    with app_session(app) as session:
        first_id, second_id = instance_in(session, subject.code).id, instance_in(session, subject.code, SECOND).id
    page = client.get(f"/monitor/subjects/{subject.code}/sign?scope=form&instance_id={first_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sha = html.split('name="content_sha256" value="')[1].split('"')[0]
    form = {"csrf_token": csrf_token_from(html), "scope": "form", "instance_id": first_id, "content_sha256": sha,
            "meaning": "review", "password": "wrong", "totp_code": fresh_code(team.investigator)}
    refused = client.post(f"/monitor/subjects/{subject.code}/sign", data=form)
    assert refused.status_code == 401 and b"Signature refused" in refused.data
    assert ledger_entries(db, "auth.reauthentication_failed")
    form.update(password=team.investigator.password, totp_code=fresh_code(team.investigator))
    assert client.post(f"/monitor/subjects/{subject.code}/sign", data=form).status_code == 302

    batch = client.get("/monitor/sign")
    text = batch.get_data(as_text=True)
    assert f'value="{second_id}:' in text and f'value="{first_id}:' not in text
    choice = text.split(f'value="{second_id}:')[1].split('"')[0]
    response = client.post("/monitor/sign", data={"csrf_token": csrf_token_from(text), "record": f"{second_id}:{choice}",
                                                  "meaning": "authorship", "password": team.investigator.password,
                                                  "totp_code": fresh_code(team.investigator)})
    assert response.status_code == 302
    assert [s.valid for s in signatures_of(app, subject.code)] == [True, True]
    manifest = client.get(f"/monitor/subjects/{subject.code}/signatures").get_data(as_text=True)
    assert "Dr Ivan Investigator" in manifest and "UTC" in manifest and "bound to this content" in manifest


@pytest.mark.parametrize("role", ["coordinator", "monitor", "data_manager", "auditor"])
def test_a_direct_signing_post_by_another_role_is_refused_with_403(app, client, login, team, fresh_code, subject, role):
    account = getattr(team, role)
    login(client, account)
    with app_session(app) as session:
        instance_id = instance_in(session, subject.code).id
    token = csrf_token_from(client.get("/").data)
    factors = {"csrf_token": token, "meaning": "review", "password": account.password, "totp_code": fresh_code(account)}
    assert client.post(f"/monitor/subjects/{subject.code}/sign", data={**factors, "scope": "form", "instance_id": instance_id}).status_code == 403
    assert client.post("/monitor/sign", data={**factors, "record": f"{instance_id}:x"}).status_code == 403
    assert signatures_of(app, subject.code) == []


@pytest.mark.parametrize("query, shown", [
    ("scope=event&event_key=logs&event_repeat=1", "logs.1/conmeds.1"),
    ("scope=casebook", "logs.1/conmeds.1"),
])
def test_the_visit_and_casebook_signing_pages_list_each_form_and_its_hash(app, client, login, team, subject, query, shown):
    from edc.services.signatures import form_content

    login(client, team.investigator)
    page = client.get(f"/monitor/subjects/{subject.code}/sign?{query}")
    with app_session(app) as session:
        sha = form_content(subject_in(session, subject.code), instance_in(session, subject.code)).sha256
    assert page.status_code == 200 and shown.encode() in page.data and sha.encode() in page.data
