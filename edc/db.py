"""Database engine and sessions.

SQLite (the zero-set-up default) runs every transaction as ``BEGIN IMMEDIATE`` so that writers
queue on the database lock instead of failing half-way with SQLITE_BUSY; a writer that waits longer
than the busy timeout (``EDC_SQLITE_BUSY_TIMEOUT_S``) gets an ``OperationalError``, shown to the user as
"Please try again" (:mod:`edc.errors`).  PostgreSQL serialises ledger appends with an advisory
transaction lock (see :mod:`edc.services.ledger`).
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Iterator

from flask import Flask, current_app, g
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 10

log = logging.getLogger(__name__)


def make_engine(url: str, *, sqlite_busy_timeout_s: float = SQLITE_BUSY_TIMEOUT_S, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout_s}, **kwargs)
        _configure_sqlite(engine, sqlite_busy_timeout_s)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def init_app(app: Flask) -> None:
    engine = app.extensions.get("edc_engine") or make_engine(
        app.config["EDC_DATABASE_URL"],
        sqlite_busy_timeout_s=float(app.config.get("EDC_SQLITE_BUSY_TIMEOUT_S", SQLITE_BUSY_TIMEOUT_S)),
    )
    app.extensions["edc_engine"] = engine
    app.extensions["edc_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's session (one per application context)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["edc_sessionmaker"]()
    return g.db_session


def _close_session(_exc=None) -> None:
    """End the request's session.  Every write was committed or rolled back inside
    :func:`transaction` before the response was built, so when the connection dies only now (the
    database restarted) the connection is discarded and the response stands."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as error:
        log.warning("database connection lost while closing a request's session: %s", error)
        session.invalidate()


@contextmanager
def transaction(session: Session | None = None) -> Iterator[Session]:
    """Run a unit of work: commit on success, roll back on any exception (nothing half-written)."""
    session = session or get_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
