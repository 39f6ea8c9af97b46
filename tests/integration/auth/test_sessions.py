"""Idle timeout and absolute session lifetime (21 CFR 11.10(d)), driven with a frozen clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time



@pytest.mark.parametrize(("idle_minutes", "still_in"), [(14, True), (15, True), (16, False)])
def test_a_session_idle_for_more_than_fifteen_minutes_ends(app, client, make_user, login, idle_minutes, still_in):
    account = make_user("coordinator")
    with freeze_time(datetime.now(timezone.utc)) as clock:
        login(client, account)
        assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=idle_minutes))
        response = client.get("/")
        if still_in:
            assert response.status_code == 200
        else:
            assert response.status_code == 302 and "expired=idle" in response.headers["Location"]
            assert client.get("/").status_code == 302, "the expired session must be gone, not just redirected once"


def test_the_absolute_limit_applies_even_when_never_idle(app, client, make_user, login):
    account = make_user("coordinator")
    with freeze_time(datetime.now(timezone.utc)) as clock:
        login(client, account)
        for _ in range(12 * 6):
            clock.tick(timedelta(minutes=10))
            last = client.get("/")
        clock.tick(timedelta(minutes=1))
        response = client.get("/")
        assert last.status_code == 200
        assert response.status_code == 302 and "expired=absolute" in response.headers["Location"]
        page = client.get(response.headers["Location"])
        assert b"maximum length" in page.data
