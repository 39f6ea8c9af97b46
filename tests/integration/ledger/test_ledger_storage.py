"""The stored ledger on both databases: append-only in the database itself, atomic with the data it
records, one linear chain under concurrent writers, and every database-level tampering caught by
`edc ledger verify` naming the first bad sequence number."""
from __future__ import annotations

import multiprocessing
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit.entry import Actor, RecordRef
from audit.keys import generate_key_file
from edc.cli import main
from edc.db import make_engine
from edc.models import LedgerEntry
from edc.services import ledger as ledger_service
from edc.services.ledger_audit import verify_database

ACTOR = Actor(user_id=1, name="Dr Test", role="investigator")


def config_for(key_file: Path, every: int = 0) -> ledger_service.LedgerConfig:
    return ledger_service.LedgerConfig(key_file=key_file, origin="test.example/ledger", checkpoint_every=every)


def append_many(url: str, key_file: Path, count: int, every: int = 0, tag: str = "t") -> None:
    engine = make_engine(url)
    from sqlalchemy.orm import Session

    for i in range(count):
        with Session(engine) as session, session.begin():
            ledger_service.append(session, config_for(key_file, every), actor=ACTOR, action="crf.updated",
                                  record=RecordRef(site="RAH", subject="RAH-001", form="conmeds", instance=f"logs.1/conmeds.{i}"),
                                  payload={"changes": [{"field": "CMDOSE_MG_DAY", "old": None, "new": f"{i}.50"}], "tag": tag},
                                  reason=None)
    engine.dispose()


def drop_append_only(db, backend) -> None:
    """What an attacker with database access does first."""
    if backend.name == "sqlite":
        db.execute(text("DROP TRIGGER ledger_entries_no_update"))
        db.execute(text("DROP TRIGGER ledger_entries_no_delete"))
    else:
        db.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
    db.commit()


def verify(db, **kwargs):
    db.rollback()
    return verify_database(db, **kwargs)


@pytest.fixture
def filled(database_url, ledger_key_file):
    append_many(database_url, ledger_key_file, 12)
    return database_url


def test_the_database_refuses_update_and_delete_of_ledger_rows(db, filled):
    for statement in ("UPDATE ledger_entries SET action = 'x' WHERE seq = 2", "DELETE FROM ledger_entries WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.execute(text(statement))
        db.rollback()
    assert db.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 13


def test_an_intact_ledger_verifies(db, filled):
    report = verify(db)
    assert report.ok, report.summary()
    assert report.entries_checked == 13


def _body(db, seq: int) -> bytes:
    return bytes(db.execute(select(LedgerEntry.body).where(LedgerEntry.seq == seq)).scalar_one())


@pytest.mark.parametrize(
    "tamper, first_bad",
    [
        ("payload", 5),
        ("actor", 7),
        ("reason", 3),
        ("timestamp", 9),
    ],
)
def test_an_entry_altered_in_the_database_is_named(db, filled, backend, tamper, first_bad):
    drop_append_only(db, backend)
    body = _body(db, first_bad)
    changed = {
        "payload": body.replace(b'.50"', b'.51"', 1),
        "actor": body.replace(b"Dr Test", b"Dr Evil"),
        "reason": body.replace(b'"reason":null', b'"reason":"typo"'),
        "timestamp": body.replace(b'"ts":"20', b'"ts":"19'),
    }[tamper]
    assert changed != body
    db.execute(text("UPDATE ledger_entries SET body = :b WHERE seq = :s"), {"b": changed, "s": first_bad})
    db.commit()
    report = verify(db)
    assert not report.ok and report.first_bad_seq == first_bad, report.summary()


def test_a_deleted_middle_entry_is_named(db, filled, backend):
    drop_append_only(db, backend)
    db.execute(text("DELETE FROM ledger_entries WHERE seq = 6"))
    db.commit()
    report = verify(db)
    assert not report.ok and report.first_bad_seq == 6


def test_a_forged_row_inserted_in_place_of_another_breaks_the_chain(db, filled, backend):
    drop_append_only(db, backend)
    row = db.execute(select(LedgerEntry).where(LedgerEntry.seq == 4)).scalar_one()
    forged = bytes(row.body).replace(b'.50"', b'.99"')
    db.execute(text("DELETE FROM ledger_entries WHERE seq = 4"))
    db.execute(text("INSERT INTO ledger_entries (seq, ts, action, body, leaf_hash, prev_hash, signature, key_id) "
                    "VALUES (4, :ts, 'crf.updated', :body, :leaf, :prev, :sig, :kid)"),
               {"ts": row.ts, "body": forged, "leaf": b"\x01" * 32, "prev": b"\x02" * 32, "sig": bytes(row.signature), "kid": row.key_id})
    db.commit()
    report = verify(db)
    assert not report.ok and report.first_bad_seq == 4


def test_tail_entries_deleted_are_caught_against_a_kept_checkpoint(db, filled, backend, runner):
    kept = runner.invoke(main, ["ledger", "checkpoint"])
    assert kept.exit_code == 0 and "\n13\n" in kept.output
    note = kept.output
    drop_append_only(db, backend)
    db.execute(text("DELETE FROM ledger_entries WHERE seq > 10"))
    db.commit()
    stored = verify(db)
    assert not stored.ok and stored.problem_kind == "truncation", "the stored checkpoint covers 13 entries"
    if backend.name == "sqlite":
        db.execute(text("DROP TRIGGER ledger_checkpoints_no_delete"))
    else:
        db.execute(text("ALTER TABLE ledger_checkpoints DISABLE TRIGGER USER"))
    db.execute(text("DELETE FROM ledger_checkpoints"))
    db.commit()
    assert verify(db).ok, "with its checkpoints gone too, only a checkpoint kept outside can tell"
    report = verify(db, trusted_checkpoint=note)
    assert not report.ok and report.first_bad_seq == 11


def test_the_cli_exits_one_and_names_the_first_bad_entry(db, filled, backend, runner):
    assert runner.invoke(main, ["ledger", "verify"]).exit_code == 0
    drop_append_only(db, backend)
    db.execute(text("UPDATE ledger_entries SET signature = (SELECT signature FROM ledger_entries WHERE seq = 2) WHERE seq = 8"))
    db.commit()
    result = runner.invoke(main, ["ledger", "verify", "--workers", "2"])
    assert result.exit_code == 1
    assert "first bad entry: 8" in result.output and "FAILED" in result.output


def test_a_rolled_back_transaction_leaves_no_ledger_entry(database_url, ledger_key_file, db):
    engine = make_engine(database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        session.begin()
        ledger_service.append(session, config_for(ledger_key_file), actor=ACTOR, action="crf.updated", payload={"x": "1"})
        session.rollback()
    engine.dispose()
    assert db.execute(text("SELECT count(*) FROM ledger_entries")).scalar() == 0


def test_writes_are_refused_with_an_operator_message_when_the_key_file_is_missing(database_url, tmp_path):
    engine = make_engine(database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session, pytest.raises(ledger_service.LedgerUnavailable, match="cannot be read"):
        ledger_service.append(session, config_for(tmp_path / "absent.pem"), actor=ACTOR, action="crf.updated")
    engine.dispose()


def test_a_key_file_readable_by_others_is_refused(database_url, tmp_path):
    key = tmp_path / "loose.pem"
    generate_key_file(key)
    os.chmod(key, 0o644)
    engine = make_engine(database_url)
    from sqlalchemy.orm import Session

    with Session(engine) as session, pytest.raises(ledger_service.LedgerUnavailable):
        ledger_service.append(session, config_for(key), actor=ACTOR, action="crf.updated")
    engine.dispose()


def test_checkpoints_are_signed_periodically_and_verify(database_url, ledger_key_file, db):
    append_many(database_url, ledger_key_file, 9, every=5)
    sizes = [row[0] for row in db.execute(text("SELECT size FROM ledger_checkpoints ORDER BY id"))]
    assert sizes == [5, 10]
    report = verify(db)
    assert report.ok and report.checkpoints_checked == 2


def test_key_rotation_through_the_cli_keeps_the_ledger_verifiable(database_url, ledger_key_file, db, runner, tmp_path, app):
    append_many(database_url, ledger_key_file, 3)
    new_key = tmp_path / "next.pem"
    assert runner.invoke(main, ["ledger", "init-key", "--key-file", str(new_key)]).exit_code == 0
    rotated = runner.invoke(main, ["ledger", "rotate-key", "--new-key-file", str(new_key), "--reason", "annual rotation"])
    assert rotated.exit_code == 0, rotated.output
    with pytest.raises(ledger_service.LedgerUnavailable, match="rotate keys"):
        append_many(database_url, ledger_key_file, 1)
    append_many(database_url, new_key, 2)
    report = verify(db)
    assert report.ok, report.summary()
    assert [p.key_id for p in report.key_history][1:] != [] and len(report.key_history) == 2


def test_bundle_export_verifies_offline_and_a_tampered_line_fails(filled, runner, tmp_path, db):
    bundle = tmp_path / "bundle"
    exported = runner.invoke(main, ["ledger", "export", str(bundle)])
    assert exported.exit_code == 0, exported.output
    assert runner.invoke(main, ["ledger", "verify-bundle", str(bundle)]).exit_code == 0
    lines = (bundle / "entries.jsonl").read_text().splitlines()
    (bundle / "entries.jsonl").write_text("\n".join(lines[:3] + lines[4:]) + "\n")
    failed = runner.invoke(main, ["ledger", "verify-bundle", str(bundle)])
    assert failed.exit_code == 1
    assert db.execute(text("SELECT count(*) FROM ledger_entries WHERE action = 'export.ledger_bundle'")).scalar() == 1


def _worker(url: str, key_file: str, count: int, tag: str) -> None:
    append_many(url, Path(key_file), count, tag=tag)


def test_concurrent_processes_keep_one_linear_chain(database_url, ledger_key_file, db):
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_worker, args=(database_url, str(ledger_key_file), 15, f"w{i}")) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    rows = db.execute(select(LedgerEntry.seq, LedgerEntry.prev_hash, LedgerEntry.leaf_hash).order_by(LedgerEntry.seq)).all()
    assert [r.seq for r in rows] == list(range(1, 62))
    for previous, current in zip(rows, rows[1:]):
        assert bytes(current.prev_hash) == bytes(previous.leaf_hash)
    assert verify(db).ok
