"""A protocol amendment adds a form version; instances keep the version they were captured with."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from edc.models import FormInstance
from forms import registry
from forms.core import Field
from tests.integration.crf.test_form_entry import URL, VALID, post_form


@pytest.fixture
def coordinator(make_user, login, client):
    account = make_user("coordinator")
    login(client, account)
    return account


def test_old_instances_stay_on_their_version_and_new_ones_use_the_amendment(
    client, db, coordinator, make_subject, monkeypatch
):
    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)                     # captured under v1

    declared = dict(registry._all())
    v1 = declared[("conmeds", 1)]
    v2 = replace(v1, version=2, fields=v1.fields + (Field("INDICATION", "Indication", "text", "amendment 1", required=False),))
    monkeypatch.setattr(registry, "_all", lambda: {**declared, ("conmeds", 2): v2})

    old_page = client.get(URL.format(code=subject.code)).get_data(as_text=True)
    assert "form version 1" in old_page and 'name="INDICATION"' not in old_page
    edit = post_form(client, subject.code, {**VALID, "CMTRT": "granisetron"}, confirm="yes",
                     reason_code="TRANSCRIPTION", reason_text="drug name")
    assert edit.status_code == 302

    new_url = f"/subjects/{subject.code}/forms/logs/1/conmeds/2"
    new_page = client.get(new_url).get_data(as_text=True)
    assert "form version 2" in new_page and 'name="INDICATION"' in new_page

    db.expire_all()
    versions = {i.repeat_no: i.form_version for i in db.execute(select(FormInstance)).scalars()}
    assert versions == {1: 1}


def test_a_page_built_for_another_version_is_refused(client, db, coordinator, make_subject):
    subject = make_subject(coordinator)
    post_form(client, subject.code, VALID)
    response = post_form(client, subject.code, {**VALID, "CMTRT": "x"}, form_version="2")
    assert response.status_code == 409
    assert "built for version 2" in response.get_data(as_text=True)
