"""Backups restore into a fresh database whose ledger verifies against a checkpoint kept before
the backup, and whose tables replay from that ledger: SQLite through ``edc backup`` (the online
backup API), PostgreSQL through ``pg_dump``/``pg_restore`` (the procedure in docs/operations.md).
A checkpoint signed after the backup does not fit the restored ledger: what was lost shows."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from edc.cli import main
from edc.models import ItemValue, LedgerEntry
from edc.services.ledger_audit import verify_database
from edc.services.replay import compare_with_tables
from tests.fixtures.accounts import csrf_token_from
from tests.support.databases import BACKENDS, Backend

URL = "/subjects/{code}/forms/logs/1/conmeds/{n}"
VALID = {"CMTRT": "ondansetron", "CMDOSE_MG_DAY": "8.00", "CMROUTE": "IV", "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y"}


def _save(client, code: str, n: int, values: dict, **extra):
    page = client.get(URL.format(code=code, n=n)).get_data(as_text=True)
    revision = page.split('name="revision" type="hidden" value="')[1].split('"')[0]
    response = client.post(URL.format(code=code, n=n), data={"csrf_token": csrf_token_from(page), "revision": revision,
                                                              "form_version": "1", **values, **extra})
    assert response.status_code == 302
    return response


def _enter_data(client, code: str, first: int, count: int) -> None:
    for n in range(first, first + count):
        _save(client, code, n, dict(VALID, CMTRT=f"drug {n}"))
    _save(client, code, first, dict(VALID, CMTRT=f"drug {first}", CMDOSE_MG_DAY="9.50"), confirm="yes",
          reason_code="TRANSCRIPTION", reason_text="Dose misread")


def _checkpoint(runner) -> str:
    result = runner.invoke(main, ["ledger", "checkpoint"])
    assert result.exit_code == 0, result.output
    return result.output


def _assert_restored(url: str, kept_checkpoint: str, later_checkpoint: str, entries_at_backup: int) -> None:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            assert session.execute(select(func.count()).select_from(LedgerEntry)).scalar_one() == entries_at_backup
            report = verify_database(session, trusted_checkpoint=kept_checkpoint)
            assert report.ok, report.summary()
            assert compare_with_tables(session) == []
            assert session.execute(select(func.count()).select_from(ItemValue).where(ItemValue.field == "CMTRT")).scalar_one() == 3
            assert not verify_database(session, trusted_checkpoint=later_checkpoint).ok, (
                "a checkpoint of entries made after the backup cannot be satisfied by the restored ledger"
            )
    finally:
        engine.dispose()


@pytest.fixture
def coordinator_client(client, make_user, login, make_subject):
    coordinator = make_user("coordinator")
    subject = make_subject(coordinator)
    login(client, coordinator)
    return client, subject.code


def _ledger_size(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()
    engine.dispose()
    return size


class TestSqlite:
    @pytest.fixture
    def backend(self) -> Backend:
        return Backend("sqlite")

    def test_edc_backup_copy_restores_with_a_verifying_ledger_consistent_with_the_checkpoint_kept_before(
        self, coordinator_client, runner, database_url, tmp_path
    ):
        client, code = coordinator_client
        _enter_data(client, code, 1, 3)
        kept = _checkpoint(runner)
        entries_at_backup = _ledger_size(database_url)
        backup = tmp_path / "backups" / "edc-1.sqlite3"
        result = runner.invoke(main, ["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert f"ledger head {entries_at_backup}" in result.output and "integrity ok" in result.output
        assert oct(backup.stat().st_mode & 0o777) == "0o600"

        _enter_data(client, code, 4, 1)
        later = _checkpoint(runner)

        restored = tmp_path / "restored" / "edc.sqlite3"
        restored.parent.mkdir()
        shutil.copyfile(backup, restored)
        _assert_restored(f"sqlite:///{restored}", kept, later, entries_at_backup)

    def test_edc_backup_never_overwrites_an_existing_file(self, app, runner, tmp_path):
        target = tmp_path / "edc.sqlite3"
        target.write_bytes(b"an older backup")
        result = runner.invoke(main, ["backup", str(target)])
        assert result.exit_code == 1 and "already exists" in result.output
        assert target.read_bytes() == b"an older backup"


def _pg_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))
    return os.path.dirname(found[-1]) if found else None


POSTGRES = [b for b in BACKENDS if b.name == "postgres"]


@pytest.mark.postgres
class TestPostgres:
    @pytest.fixture(params=POSTGRES or [pytest.param(None, marks=pytest.mark.skip(
        reason="needs PostgreSQL: set EDC_TEST_POSTGRES_URL (CI always does)"))], ids=lambda b: "postgres")
    def backend(self, request) -> Backend:
        return request.param

    @pytest.fixture
    def restored_url(self, backend):
        name = f"edc_restored_{uuid.uuid4().hex[:12]}"
        admin = create_engine(make_url(backend.server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(backend.server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    def test_edc_backup_prints_the_pg_dump_procedure_and_exits_2(self, app, runner, tmp_path):
        result = runner.invoke(main, ["backup", str(tmp_path / "x.sqlite3")])
        assert result.exit_code == 2
        assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
        assert not (tmp_path / "x.sqlite3").exists()

    def test_pg_dump_and_pg_restore_give_a_database_whose_ledger_verifies_against_the_checkpoint_kept_before(
        self, coordinator_client, runner, database_url, restored_url, tmp_path
    ):
        bindir = _pg_bindir()
        if bindir is None:
            assert not os.environ.get("CI"), "CI installs PostgreSQL with its client tools"
            pytest.skip("needs pg_dump and pg_restore (/usr/lib/postgresql/*/bin)")
        client, code = coordinator_client
        _enter_data(client, code, 1, 3)
        kept = _checkpoint(runner)
        entries_at_backup = _ledger_size(database_url)
        dump = tmp_path / "edc.dump"
        libpq = lambda url: make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)  # noqa: E731
        subprocess.run([f"{bindir}/pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq(database_url)],
                       check=True, capture_output=True, timeout=120)

        _enter_data(client, code, 4, 1)
        later = _checkpoint(runner)

        subprocess.run([f"{bindir}/pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(restored_url)}", str(dump)],
                       check=True, capture_output=True, timeout=120)
        _assert_restored(restored_url, kept, later, entries_at_backup)
        engine = create_engine(restored_url)
        with engine.begin() as conn, pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE ledger_entries SET action = 'x' WHERE seq = 1"))
        engine.dispose()
