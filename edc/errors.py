"""Error pages in the user's terms: never a stack trace, always what to do next."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError

from .services.ledger import LedgerUnavailable

log = logging.getLogger(__name__)


def _page(title: str, message: str, status: int):
    return render_template("error.html", title=title, message=message), status


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

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_busy(error):
        log.warning("database error: %s", error)
        return _page(
            "Please try again",
            "The database is busy or was briefly unavailable. Nothing was saved: please try again in a moment.",
            503,
        )

    @app.errorhandler(500)
    def internal(_error):
        return _page("Something went wrong", "The system hit an unexpected error. Nothing was saved. The error was logged for the operator.", 500)
