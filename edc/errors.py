"""Error pages in the user's terms: never a stack trace, always what to do next."""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError

from .services.ledger import LedgerUnavailable

log = logging.getLogger(__name__)


RETRY_ENDPOINTS = frozenset({"crf.save"})
"""Form posts whose typed values the "Please try again" page keeps, so one click sends them again."""


def _page(title: str, message: str, status: int):
    return render_template("error.html", title=title, message=message), status


def _discard_session() -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.close()
        except Exception:  # noqa: BLE001 - the connection is already gone; nothing more to release
            log.debug("closing a failed database session", exc_info=True)


def _unavailable_page(title: str, message: str, status: int):
    """An error page that needs no database: the normal layout asks the database for the user and
    the demo flag, which is exactly what is failing.  A data-entry post comes back as a form of
    hidden fields, so what the user typed is not lost."""
    _discard_session()
    retry = None
    if status == 503 and request.method == "POST" and request.endpoint in RETRY_ENDPOINTS:
        retry = {"action": request.path, "fields": list(request.form.items(multi=True))}
    html = current_app.jinja_env.get_template("error_unavailable.html").render(title=title, message=message, retry=retry)
    return html, status, ({"Retry-After": "5"} if status == 503 else {})


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_error):
        return _page("Not permitted", "Your role does not allow this action. Nothing was changed.", 403)

    @app.errorhandler(404)
    def not_found(_error):
        return _page("Not found", "There is no such page or record.", 404)

    @app.errorhandler(405)
    def not_allowed(_error):
        return _page("Not allowed", "This page cannot be used that way.", 405)

    @app.errorhandler(413)
    def too_large(_error):
        return _page("Too large", "What you sent is larger than the system accepts. Nothing was saved.", 413)

    @app.errorhandler(CSRFError)
    def csrf_failed(_error):
        return _page(
            "Form expired",
            "This form had expired or was not sent from this system. Nothing was saved: go back, reload the page and enter it again.",
            400,
        )

    @app.errorhandler(LedgerUnavailable)
    def ledger_unavailable(error):
        log.error("ledger unavailable: %s", error)
        return _page(
            "Saving is paused",
            "The audit ledger cannot be written, so the system refuses every change until the operator fixes it. "
            "Nothing was saved. Reading records still works. Operator message: " + str(error),
            503,
        )

    @app.errorhandler(DataError)
    def data_refused(error):
        """The database refused a value as sent (PostgreSQL: NUL in text, a number out of range): the
        input is at fault, so asking to "try again" would be wrong."""
        log.warning("database refused a value: %s", error)
        return _unavailable_page(
            "Value not accepted",
            "A value could not be stored as sent: it holds an invisible control character (such as NUL), or is "
            "too long or out of range. Nothing was saved: go back, correct the text and send it again.",
            422,
        )

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_busy(error):
        log.warning("database error: %s", error)
        return _unavailable_page(
            "Please try again",
            "The database is busy or was briefly unavailable. Nothing was saved: please try again in a moment.",
            503,
        )

    @app.errorhandler(500)
    def internal(_error):
        return _page("Something went wrong", "The system hit an unexpected error. Nothing was saved. The error was logged for the operator.", 500)
