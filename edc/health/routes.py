"""Health endpoint for a load balancer: database and ledger head, no clinical data."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ..db import get_session
from ..permissions import PUBLIC, requires
from ..services.ledger import LedgerUnavailable, signer_for
from ..wiring import ledger_config

bp = Blueprint("health", __name__)


@bp.get("/health")
@requires(PUBLIC)
def health():
    session = get_session()
    report = {"database": "ok", "ledger_head": None, "writes": "ok"}
    status = 200
    try:
        report["ledger_head"] = session.execute(text("SELECT MAX(seq) FROM ledger_entries")).scalar()
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        current_app.logger.warning("health check: database error %s", error)
        report["database"] = "unavailable"
        status = 503
    finally:
        session.rollback()
    try:
        signer_for(ledger_config())
    except LedgerUnavailable:
        report["writes"] = "refused: ledger key unavailable"
        status = 503
    report["status"] = "ok" if status == 200 else "degraded"
    return jsonify(report), status
