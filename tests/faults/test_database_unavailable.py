"""When the database cannot be reached, every page is the clear "Please try again" page (503, no
stack trace) - rendered without the database, since the normal layout asks it for the user and the
demo flag - and /health says the database is unavailable.  A connection that dies only after the
response was built (the database restarting between two statements) does not turn that response
into an error."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from tests.load.harness import free_port


@pytest.fixture
def unreachable_app(ledger_key_file, tmp_path):
    from edc import create_app

    application = create_app({"TESTING": False, "EDC_LEDGER_KEY_FILE": str(ledger_key_file), "SERVER_NAME": "edc.test",
                              "EDC_DATABASE_URL": f"postgresql+psycopg://edc@127.0.0.1:{free_port()}/nowhere"})
    application.instance_path = str(tmp_path / "instance")
    yield application
    application.extensions["edc_engine"].dispose()


def test_a_page_is_the_try_again_page_when_the_database_is_unreachable(unreachable_app):
    response = unreachable_app.test_client().get("/login")
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Please try again" in body and "Nothing was saved" in body
    assert "Traceback" not in body and "psycopg" not in body and "127.0.0.1" not in body


def test_health_reports_the_database_unavailable_without_details(unreachable_app):
    response = unreachable_app.test_client().get("/health")
    assert response.status_code == 503
    assert response.get_json() == {"database": "unavailable", "ledger_head": None, "writes": "ok", "status": "degraded"}


class _DiesOnClose:
    """A session whose connection is lost after the work is done (as when PostgreSQL restarts)."""

    def __init__(self, session):
        self._session = session

    def __getattr__(self, name):
        return getattr(self._session, name)

    def close(self):
        self._session.close()
        raise OperationalError("ROLLBACK", {}, Exception("terminating connection due to administrator command"))

    def invalidate(self):
        self._session.invalidate()


def test_a_connection_lost_while_closing_the_request_session_keeps_the_response(app):
    maker = app.extensions["edc_sessionmaker"]
    app.extensions["edc_sessionmaker"] = lambda: _DiesOnClose(maker())
    try:
        response = app.test_client().get("/health")
    finally:
        app.extensions["edc_sessionmaker"] = maker
    assert response.status_code == 200 and response.get_json()["database"] == "ok"
