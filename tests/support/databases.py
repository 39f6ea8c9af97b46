"""Test databases on both backends, built only by the migrations."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@dataclass(frozen=True)
class Backend:
    name: str
    server_url: str | None = None


def _backends() -> list[Backend]:
    backends = [Backend("sqlite")]
    url = os.environ.get("EDC_TEST_POSTGRES_URL")
    if url:
        backends.append(Backend("postgres", url))
    elif os.environ.get("CI"):
        raise RuntimeError("CI must run the database tests on PostgreSQL too: set EDC_TEST_POSTGRES_URL (.ci/run does)")
    return backends


BACKENDS = _backends()


def _admin_engine(backend: Backend):
    url = make_url(backend.server_url).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def migrated_template(backend: Backend, folder: Path) -> str:
    from edc.migrate import upgrade

    if backend.name == "sqlite":
        path = folder / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        return str(path)
    name = f"edc_tmpl_{os.getpid()}"
    engine = _admin_engine(backend)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(backend.server_url).set(drivername="postgresql+psycopg", database=name)
    upgrade(url.render_as_string(hide_password=False))
    return name


def clone_database(backend: Backend, template: str, folder: Path, suffix: str) -> str:
    if backend.name == "sqlite":
        target = folder / f"test-{suffix}.sqlite3"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    name = f"edc_test_{suffix}"
    engine = _admin_engine(backend)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    engine.dispose()
    return make_url(backend.server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)


def drop_database(backend: Backend, url: str) -> None:
    if backend.name == "sqlite":
        return
    name = make_url(url).database
    engine = _admin_engine(backend)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
