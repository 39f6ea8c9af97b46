"""``make serve`` - the documented production command - migrates the database named by
``EDC_DATABASE_URL`` and serves it with ``EDC_WORKERS`` gunicorn workers; in production mode with
the development secret it refuses to start and says why.  (``-o install`` keeps make from
re-installing the virtualenv: the recipe under test is the serve one.)"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.load.harness import REPO, drop_database, free_port, require_postgres_server, unique_name

pytestmark = pytest.mark.postgres


def _group_processes(pgid: int) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
            except (OSError, ProcessLookupError):
                continue
    return found


def _gunicorns(pgid: int) -> list[str]:
    return [c for c in _group_processes(pgid) if "python" in c.split()[0] and "gunicorn" in c]


@pytest.fixture
def empty_database():
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    server_url = require_postgres_server()
    name = unique_name("edc_serve")
    admin = create_engine(make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield make_url(server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    drop_database(server_url, name)


def _environment(tmp_path: Path, database_url: str, **extra) -> dict[str, str]:
    from audit.keys import generate_key_file

    key = tmp_path / "ledger-key.pem"
    if not key.exists():
        generate_key_file(key)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EDC_") or k == "EDC_TEST_POSTGRES_URL"}
    environ.update({"EDC_ENV": "test", "EDC_DATABASE_URL": database_url, "EDC_LEDGER_KEY_FILE": str(key),
                    "EDC_INSTANCE_PATH": str(tmp_path / "instance"), "EDC_WORKERS": "2", **extra})
    return environ


def test_make_serve_migrates_and_serves_the_configured_postgresql_with_the_configured_workers(empty_database, tmp_path):
    port = free_port()
    process = subprocess.Popen(["make", "-s", "-o", "install", "serve", "HOST=127.0.0.1", f"PORT={port}"], cwd=REPO,
                               env=_environment(tmp_path, empty_database), stdout=subprocess.DEVNULL,
                               stderr=open(tmp_path / "serve.log", "wb"), start_new_session=True)
    try:
        health = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/health", timeout=5)
                if health.status_code == 200 and len(_gunicorns(process.pid)) == 3:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.3)
        log = (tmp_path / "serve.log").read_text(errors="replace")
        assert health is not None and health.status_code == 200, log
        assert health.json() == {"database": "ok", "ledger_head": None, "writes": "ok", "status": "ok"}
        gunicorns = _gunicorns(process.pid)
        assert len(gunicorns) == 3, f"one master and EDC_WORKERS=2 workers: {gunicorns}"
        assert all(f"--bind 127.0.0.1:{port}" in c for c in gunicorns)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_make_serve_in_production_with_the_development_secret_refuses_to_start_and_says_why(empty_database, tmp_path):
    result = subprocess.run(["make", "-s", "-o", "install", "serve", "HOST=127.0.0.1", f"PORT={free_port()}"], cwd=REPO,
                            env=_environment(tmp_path, empty_database, EDC_ENV="production"), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0
    assert "EDC_SECRET_KEY must be set" in result.stderr
