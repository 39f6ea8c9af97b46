"""Shared fixtures: an app on a freshly migrated database (SQLite, and PostgreSQL when
``EDC_TEST_POSTGRES_URL`` is set - always in CI), a ledger key, and factories.

Migrations run once per backend per session into a template; each test gets a copy (SQLite: a file
copy; PostgreSQL: ``CREATE DATABASE ... TEMPLATE``), so tests never share state and the schema is
only ever built by the migrations.
"""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from tests.support.databases import BACKENDS, Backend, clone_database, drop_database, migrated_template

pytest_plugins = ["tests.fixtures.accounts", "tests.fixtures.study"]


def pytest_configure(config):
    os.environ.setdefault("EDC_ENV", "test")


@pytest.fixture(scope="session")
def ledger_key_file(tmp_path_factory) -> Path:
    from audit.keys import generate_key_file

    path = tmp_path_factory.mktemp("keys") / "ledger-key.pem"
    generate_key_file(path)
    return path


@pytest.fixture(scope="session")
def templates(tmp_path_factory):
    built: dict[str, str] = {}

    def template_for(backend: Backend) -> str:
        if backend.name not in built:
            built[backend.name] = migrated_template(backend, tmp_path_factory.mktemp(f"tmpl-{backend.name}"))
        return built[backend.name]

    return template_for


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request) -> Backend:
    return request.param


@pytest.fixture
def database_url(backend, templates, tmp_path):
    template = templates(backend)
    url = clone_database(backend, template, tmp_path, uuid.uuid4().hex[:12])
    yield url
    drop_database(backend, url)


@pytest.fixture
def app(database_url, ledger_key_file, tmp_path):
    from edc import create_app

    application = create_app(
        {
            "TESTING": True,
            "EDC_DATABASE_URL": database_url,
            "EDC_LEDGER_KEY_FILE": str(ledger_key_file),
            "EDC_CHECKPOINT_EVERY": 0,
            "SERVER_NAME": "edc.test",
        }
    )
    application.instance_path = str(tmp_path / "instance")
    yield application
    application.extensions["edc_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def db(app, database_url):
    """A session for arranging and asserting beside the app's requests.

    It pushes no app context (so requests keep their own ``g``) and uses a plain engine: on SQLite
    the app's sessions begin with ``BEGIN IMMEDIATE``, and a test session holding that write lock
    would block the very requests it observes.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    engine = create_engine(database_url)
    session = Session(engine, expire_on_commit=False)
    yield session
    session.close()
    engine.dispose()


@pytest.fixture
def ledger(app):
    from edc.wiring import ledger_config

    with app.app_context():
        return ledger_config()
