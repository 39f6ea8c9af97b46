"""Production refuses to start on an unsafe configuration - the development secret, a short
secret, no ledger key file, SQLite - with a message that says what to set; a complete production
configuration starts with secure cookies.  Also checked through ``create_app`` and a real
``import wsgi`` (what gunicorn does), so no path around :func:`load_settings` exists."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import DEV_SECRET, ConfigurationError, load_settings

REPO = Path(__file__).resolve().parents[2]
STRONG_SECRET = "s" * 48
PG_URL = "postgresql+psycopg://edc_app@db.hospital.local/edc"


@pytest.fixture
def key_file(tmp_path) -> Path:
    from audit.keys import generate_key_file

    path = tmp_path / "ledger-key.pem"
    generate_key_file(path)
    return path


def production(key_file: Path, **changes) -> dict:
    environ = {"EDC_ENV": "production", "EDC_SECRET_KEY": STRONG_SECRET, "EDC_LEDGER_KEY_FILE": str(key_file),
               "EDC_DATABASE_URL": PG_URL, "EDC_INSTANCE_PATH": str(key_file.parent)}
    environ.update(changes)
    return {k: v for k, v in environ.items() if v is not None}


REFUSALS = [
    ("no secret at all", {"EDC_SECRET_KEY": None}, "EDC_SECRET_KEY"),
    ("the development secret", {"EDC_SECRET_KEY": DEV_SECRET}, "EDC_SECRET_KEY"),
    ("a secret one character too short", {"EDC_SECRET_KEY": "x" * 31}, "at least 32 characters"),
    ("no ledger key file", {"EDC_LEDGER_KEY_FILE": "/nonexistent/ledger-key.pem"}, "edc ledger init-key"),
    ("the default SQLite database", {"EDC_DATABASE_URL": None}, "production needs PostgreSQL"),
    ("an explicit SQLite database", {"EDC_DATABASE_URL": "sqlite:////tmp/edc.sqlite3"}, "production needs PostgreSQL"),
    ("a busy timeout that is not a number", {"EDC_SQLITE_BUSY_TIMEOUT_S": "soon"}, "EDC_SQLITE_BUSY_TIMEOUT_S"),
]


@pytest.mark.parametrize(("case", "changes", "words"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_production_refuses_to_start_with(case, changes, words, key_file):
    with pytest.raises(ConfigurationError, match=words):
        load_settings(production(key_file, **changes))


def test_a_secret_of_exactly_32_characters_and_a_key_on_postgresql_is_accepted_with_secure_cookies(key_file):
    settings = load_settings(production(key_file, EDC_SECRET_KEY="y" * 32))
    config = settings.as_flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SECRET_KEY"] == "y" * 32


def test_development_and_test_start_with_the_defaults_and_plain_cookies(tmp_path):
    for env in ("development", "test"):
        settings = load_settings({"EDC_ENV": env, "EDC_INSTANCE_PATH": str(tmp_path)})
        assert settings.secret_key == DEV_SECRET and settings.as_flask_config()["SESSION_COOKIE_SECURE"] is False


def test_the_request_size_cap_comes_from_the_environment(key_file):
    assert load_settings(production(key_file, EDC_MAX_REQUEST_BYTES="65536")).as_flask_config()["MAX_CONTENT_LENGTH"] == 65536


def test_create_app_refuses_production_with_the_development_secret(monkeypatch, key_file):
    from edc import create_app

    for name, value in production(key_file, EDC_SECRET_KEY=DEV_SECRET).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match="EDC_SECRET_KEY"):
        create_app()


def test_the_wsgi_entry_point_gunicorn_loads_exits_with_the_message_when_the_key_is_missing(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EDC_")}
    environ.update(production(tmp_path / "absent-key.pem"))
    result = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=REPO, env=environ, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and "edc ledger init-key" in result.stderr
