"""The load benchmark's baseline: the same conmeds payload saved by a bare Flask view with one
SQLAlchemy insert per field - no login, no CSRF, no edit checks, no ledger.  Served by the same
gunicorn settings as the EDC (``gunicorn bench.baseline_app:app``), it measures what the web stack
and the database cost on their own, so ``bench/load.py`` can report the EDC's price beside it.
"""
from __future__ import annotations

import os

from flask import Flask, redirect, request
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, create_engine, func, insert
from sqlalchemy.engine import make_url

IGNORED = frozenset({"csrf_token", "revision", "form_version"})

metadata = MetaData()
values = Table(
    "baseline_values", metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(32), nullable=False),
    Column("instance", String(64), nullable=False),
    Column("field", String(64), nullable=False),
    Column("value", Text),
    Column("saved_at", DateTime(timezone=True), server_default=func.now()),
)


def engine_for(url: str):
    return create_engine(make_url(url).set(drivername="postgresql+psycopg"), pool_pre_ping=True)


def create_schema(url: str) -> None:
    engine = engine_for(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app(url: str) -> Flask:
    engine = engine_for(url)
    app = Flask(__name__)

    @app.get("/health")
    def health():
        return "ok"

    @app.post("/subjects/<code>/forms/<event_key>/<int:event_repeat>/<form_key>/<int:repeat_no>")
    def save(code: str, event_key: str, event_repeat: int, form_key: str, repeat_no: int):
        instance = f"{event_key}.{event_repeat}/{form_key}.{repeat_no}"
        rows = [{"subject": code, "instance": instance, "field": name, "value": value or None}
                for name, value in request.form.items() if name not in IGNORED]
        with engine.begin() as conn:
            conn.execute(insert(values), rows)
        return redirect(request.path)

    return app


app = create_app(os.environ["BASELINE_DATABASE_URL"]) if "BASELINE_DATABASE_URL" in os.environ else None
