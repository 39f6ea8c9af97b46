"""Several people entering data at once through gunicorn workers on PostgreSQL: every page answers,
every acknowledged save is in the tables and in one linear, verifiable ledger that replays to the
tables.  (CI size: 4 users against 2 workers; ``bench/load.py`` runs 16 against 4.)"""
from __future__ import annotations

import pytest

from tests.load.harness import Outcomes, deployment, invariant_problems, require_postgres_server, run_users

pytestmark = pytest.mark.postgres

USERS = 4
WORKERS = 2
FORMS_PER_USER = 4


@pytest.fixture
def server_url() -> str:
    return require_postgres_server()


def test_concurrent_users_saving_and_editing_forms_lose_nothing_and_keep_one_linear_ledger(server_url, tmp_path):
    outcomes = Outcomes()
    with deployment(server_url, tmp_path, users=USERS, workers=WORKERS, checkpoint_every=25) as live:
        errors = run_users(live.accounts, live.server.base_url, lambda user: user.journey(FORMS_PER_USER), outcomes)
        log = live.server.log_tail()
        problems = invariant_problems(live.url, outcomes)

    assert errors == [], errors
    assert [(r.method, r.path, r.status, r.body[:300]) for r in outcomes.server_errors()] == [], log
    assert [r for r in outcomes.responses if r.status is None] == []
    creates = [a for a in outcomes.attempts if a.kind == "create"]
    edits = [a for a in outcomes.attempts if a.kind == "edit"]
    assert len(creates) == USERS * FORMS_PER_USER and all(a.acknowledged for a in creates)
    assert len(edits) == USERS * (FORMS_PER_USER // 2) and all(a.acknowledged for a in edits)
    assert len(outcomes.answers) == USERS * (FORMS_PER_USER // 3), "every automatic query for a blank route is answered"
    assert problems == []
