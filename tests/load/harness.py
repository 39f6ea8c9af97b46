"""A live deployment on loopback for load and fault tests: a fresh PostgreSQL database built by the
migrations, users and consented subjects created through the services, gunicorn workers serving
``wsgi:app``, and simulated users driving the real pages with ``requests``.

Shared by ``tests/load``, ``tests/faults`` and ``bench/load.py``; nothing here is a test itself.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from datetime import time as wall_time
from pathlib import Path
from typing import Callable

import pyotp
import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
REVISION = re.compile(r'name="revision" type="hidden" value="(\d*)"')
QUERY_LINK = re.compile(r'/monitor/queries/(\d+)"')
CONMEDS = "/subjects/{code}/forms/logs/1/conmeds/{n}"

CONMED = {
    "CMTRT": "ondansetron", "CMDOSE_MG_DAY": "8.00", "CMROUTE": "IV",
    "CMSTDTC": "2026-11-02", "CMENDTC": "", "CMONGO": "Y",
}
CONMED_FIELDS = tuple(CONMED)


# --- databases ---------------------------------------------------------------------------------

def _admin(server_url: str):
    return create_engine(make_url(server_url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def create_database(server_url: str, name: str) -> str:
    """A new database named ``name`` on the server, migrated to the latest schema; its URL."""
    from edc.migrate import upgrade

    engine = _admin(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(server_url).set(drivername="postgresql+psycopg", database=name).render_as_string(hide_password=False)
    upgrade(url)
    return url


def drop_database(server_url: str, name: str) -> None:
    engine = _admin(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{secrets.token_hex(4)}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- study set-up through the services ---------------------------------------------------------

@dataclass(frozen=True)
class SeededUser:
    username: str
    password: str
    totp_secret: str
    subject_code: str


def app_config(url: str, key_file: Path, instance: Path, checkpoint_every: int) -> dict:
    return {"EDC_DATABASE_URL": url, "EDC_LEDGER_KEY_FILE": str(key_file), "EDC_CHECKPOINT_EVERY": checkpoint_every,
            "EDC_INSTANCE_PATH": str(instance)}


def seed_study(url: str, key_file: Path, instance: Path, users: int, *, checkpoint_every: int = 0,
               site_code: str = "RAH") -> list[SeededUser]:
    """One site, ``users`` coordinators (each trained, attested, TOTP enrolled) and one consented
    subject per coordinator, all created through the account and subject services."""
    from edc import create_app
    from edc.db import get_session, transaction
    from edc.services import accounts
    from edc.wiring import ledger_config

    app = create_app({"EDC_DATABASE_URL": url, "EDC_LEDGER_KEY_FILE": str(key_file), "EDC_CHECKPOINT_EVERY": checkpoint_every})
    app.instance_path = str(instance)
    seeded = []
    try:
        with app.app_context():
            db = get_session()
            config = ledger_config()
            with transaction(db):
                site = accounts.create_site(db, config, None, code=site_code, name=f"{site_code} hospital",
                                            timezone_name="Asia/Tehran")
                manager, _ = accounts.create_user(
                    db, config, None, username="datamanager", printed_name="Dr Load Data Manager",
                    email="datamanager@hospital.example", role="data_manager", password="Pw-" + secrets.token_urlsafe(18),
                    must_change_password=False)
                accounts.record_training(db, config, None, manager, course="Protocol NCT06674265 and EDC training",
                                         completed_on=date(2026, 1, 15))
                accounts.accept_attestation(db, config, manager)
            for number in range(1, users + 1):
                username = f"coord{number:02d}"
                password = "Pw-" + secrets.token_urlsafe(18)
                with transaction(db):
                    user, _ = accounts.create_user(
                        db, config, None, username=username, printed_name=f"Dr Load {number:02d}",
                        email=f"{username}@hospital.example", role="coordinator", site=site, password=password,
                        must_change_password=False,
                    )
                    accounts.record_training(db, config, None, user, course="Protocol NCT06674265 and EDC training",
                                             completed_on=date(2026, 1, 15))
                    accounts.accept_attestation(db, config, user)
                    secret = accounts.start_totp_enrolment(db, config, user)
                    accounts.confirm_totp_enrolment(db, config, user, pyotp.TOTP(secret).now(), lockout_threshold=5)
                    user.totp_last_step = None  # the enrolment code must not block the first login in this step
                with transaction(db):
                    subject = consented_subject(db, config, user, password, secret, site, manager)
                seeded.append(SeededUser(username, password, secret, subject.code))
    finally:
        app.extensions["edc_engine"].dispose()
    return seeded


def consented_subject(db, config, user, password: str, secret: str, site, manager):
    """Register a subject and record guardian permission through the consent service, exactly as at
    the bedside (drawn signature, obtainer's re-authentication), so the entry gates open."""
    from edc.models import ConsentDocument
    from edc.services import consent, subjects
    from edc.services.signature_images import validate
    from tests.support.drawings import signature_png

    subject = subjects.register_subject(db, config, user, site)
    document_id = db.execute(select(ConsentDocument.id).where(ConsentDocument.kind == "guardian")).scalars().first()
    if document_id is None:
        document, _ = consent.register_document(db, config, manager, consent.DocumentInput(
            kind="guardian", version_label="1.0", language="fa", ethics_reference="IR.ACECR.ROYAN.REC.1400.032",
            approval_date=date(2024, 1, 1), effective_date=date(2024, 1, 1), content=b"guardian permission form 1.0",
            content_type="text/plain"))
        document_id = document.id
    user.totp_last_step = None
    consent.capture_consent(
        db, config, user, subject,
        consent.ConsentCapture(document_id=document_id, consent_date=date(2026, 11, 1), consent_time=wall_time(10, 0),
                               child_birth_date=date(2020, 11, 1), copy_given=True,
                               guardians=[consent.SignerInput(name="Load Guardian", relationship="mother",
                                                              signature=validate(signature_png(), "image/png"))]),
        password=password, totp_code=pyotp.TOTP(secret).now(), lockout_threshold=5,
    )
    user.totp_last_step = None  # the capture used this step's code; the first login must not be refused as a replay
    return subject


# --- gunicorn ----------------------------------------------------------------------------------

class Server:
    """``gunicorn`` with N sync workers on a free loopback port, in its own process group."""

    def __init__(self, app: str, workers: int, env: dict[str, str], log_path: Path, port: int | None = None):
        self.app, self.workers, self.log_path = app, workers, log_path
        self.port = port or free_port()
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/health", timeout: float = 60) -> "Server":
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(self.workers), "--bind", f"127.0.0.1:{self.port}", "--timeout", "60",
             "--graceful-timeout", "5", "--backlog", "256", self.app],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        try:
            self._wait_ready(ready_path, timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, ready_path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(self.base_url + ready_path, timeout=5).status_code == 200 and len(self.worker_pids()) == self.workers:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not become ready in {timeout} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (the workers gunicorn forked)."""
        if self.process is None:
            return []
        children = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                children.append(int(entry.name))
        return sorted(children)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()


def edc_env(url: str, key_file: Path, instance: Path, checkpoint_every: int = 0) -> dict[str, str]:
    return {
        "EDC_ENV": "test",
        "EDC_DATABASE_URL": url,
        "EDC_LEDGER_KEY_FILE": str(key_file),
        "EDC_INSTANCE_PATH": str(instance),
        "EDC_SECRET_KEY": secrets.token_urlsafe(48),
        "EDC_CHECKPOINT_EVERY": str(checkpoint_every),
    }


# --- simulated users ---------------------------------------------------------------------------

@dataclass
class Response:
    method: str
    path: str
    status: int | None
    seconds: float
    body: str = ""
    error: str = ""


@dataclass
class Attempt:
    """One try at saving a form instance, and whether the server acknowledged it (302)."""

    user: str
    subject: str
    instance: str
    values: dict[str, str]
    kind: str
    acknowledged: bool
    seconds: float


@dataclass
class Outcomes:
    responses: list[Response] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_response(self, response: Response) -> None:
        with self.lock:
            self.responses.append(response)

    def add_attempt(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def server_errors(self) -> list[Response]:
        return [r for r in self.responses if r.status is not None and r.status >= 500]

    def save_seconds(self) -> list[float]:
        return [a.seconds for a in self.attempts if a.acknowledged and a.kind in ("create", "edit")]


class SimulatedUser:
    """One person at a browser: logs in with password and TOTP, reads pages, saves and edits forms."""

    def __init__(self, base_url: str, account: SeededUser, outcomes: Outcomes, timeout: float = 30):
        self.base_url, self.account, self.outcomes, self.timeout = base_url, account, outcomes, timeout
        self.http = requests.Session()
        self.next_instance = 1

    def request(self, method: str, path: str, data=None) -> requests.Response | None:
        began = time.perf_counter()
        try:
            response = self.http.request(method, self.base_url + path, data=data, allow_redirects=False, timeout=self.timeout)
        except requests.RequestException as error:
            self.outcomes.add_response(Response(method, path, None, time.perf_counter() - began, error=type(error).__name__))
            return None
        seconds = time.perf_counter() - began
        body = response.text if response.status_code >= 500 else ""
        self.outcomes.add_response(Response(method, path, response.status_code, seconds, body))
        response.seconds = seconds
        return response

    def page(self, path: str) -> str | None:
        response = self.request("GET", path)
        return response.text if response is not None and response.status_code == 200 else None

    def login(self) -> None:
        page = self.page("/login")
        response = self.request("POST", "/login", {"csrf_token": CSRF.search(page).group(1),
                                                   "username": self.account.username, "password": self.account.password})
        assert response is not None and response.status_code == 302, f"password step refused for {self.account.username}"
        page = self.page("/login/code")
        code = pyotp.TOTP(self.account.totp_secret).now()
        response = self.request("POST", "/login/code", {"csrf_token": CSRF.search(page).group(1), "code": code})
        assert response is not None and response.status_code == 302 and not response.headers["Location"].endswith("/login/code"), (
            f"second factor refused for {self.account.username}"
        )

    def open_casebook(self) -> None:
        self.page("/")
        self.page(f"/subjects/{self.account.subject_code}")

    def _post_form(self, path: str, values: dict[str, str], kind: str, instance: str, **extra) -> requests.Response | None:
        page = self.page(path)
        if page is None:
            return None
        data = {"csrf_token": CSRF.search(page).group(1), "revision": REVISION.search(page).group(1),
                "form_version": "1", **values, **extra}
        response = self.request("POST", path, data)
        if kind != "confirm-step":
            acknowledged = response is not None and response.status_code == 302
            self.outcomes.add_attempt(Attempt(self.account.username, self.account.subject_code, instance, dict(values), kind,
                                              acknowledged, getattr(response, "seconds", 0.0)))
        return response

    def create(self, values: dict[str, str] | None = None) -> tuple[int, bool]:
        """Save a new concomitant medication; returns its number and whether it was acknowledged."""
        number = self.next_instance
        self.next_instance += 1
        response = self._post_form(CONMEDS.format(code=self.account.subject_code, n=number), values or CONMED, "create",
                                   f"logs.1/conmeds.{number}")
        return number, response is not None and response.status_code == 302

    def edit(self, number: int, values: dict[str, str]) -> bool:
        """Change a saved record: the first post shows old and new values, the second gives the reason."""
        path = CONMEDS.format(code=self.account.subject_code, n=number)
        instance = f"logs.1/conmeds.{number}"
        first = self._post_form(path, values, "confirm-step", instance)
        if first is None or first.status_code != 200 or "Confirm the change" not in first.text:
            return False
        response = self._post_form(path, values, "edit", instance, confirm="yes", reason_code="TRANSCRIPTION",
                                   reason_text=f"Corrected from the source by {self.account.username}")
        return response is not None and response.status_code == 302

    def answer_open_queries(self, number: int) -> int:
        page = self.page(CONMEDS.format(code=self.account.subject_code, n=number))
        answered = 0
        for query_id in sorted(set(QUERY_LINK.findall(page or ""))):
            query_page = self.page(f"/monitor/queries/{query_id}")
            if query_page is None or f"/monitor/queries/{query_id}/answer" not in query_page:
                continue
            response = self.request("POST", f"/monitor/queries/{query_id}/answer", {
                "csrf_token": CSRF.search(query_page).group(1), "text": "Route not documented in the source notes."})
            if response is not None and response.status_code == 302:
                with self.outcomes.lock:
                    self.outcomes.answers.append(int(query_id))
                answered += 1
        return answered

    def journey(self, forms: int, pause: Callable[[], None] = lambda: None) -> None:
        """Casebook, then ``forms`` medications: each saved, every second one corrected with a
        reason, every third one first saved without its route (an automatic query the user answers)."""
        self.open_casebook()
        for index in range(forms):
            values = dict(CONMED, CMDOSE_MG_DAY=f"{8 + index}.00", CMTRT=f"drug-{self.account.username}-{index}")
            if index % 3 == 2:
                values["CMROUTE"] = ""
            number, saved = self.create(values)
            pause()
            if saved and index % 3 == 2:
                self.answer_open_queries(number)
            if saved and index % 2 == 1:
                self.edit(number, dict(values, CMDOSE_MG_DAY=f"{8 + index}.50"))
            pause()


def run_users(accounts: list[SeededUser] | list[SimulatedUser], base_url: str, work: Callable[[SimulatedUser], None],
              outcomes: Outcomes, *, login: bool = True) -> list[BaseException]:
    """Run ``work`` for every account (or already logged-in user) in its own thread; returns the
    exceptions the threads raised."""
    users = [a if isinstance(a, SimulatedUser) else SimulatedUser(base_url, a, outcomes) for a in accounts]
    errors: list[BaseException] = []

    def run(user: SimulatedUser) -> None:
        try:
            if login:
                user.login()
            work(user)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(user,), name=user.account.username, daemon=True) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return errors


# --- what must hold afterwards -----------------------------------------------------------------

def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def chain_problems(session) -> list[str]:
    """The stored chain is linear: seq 1..N without gaps, each prev_hash the previous leaf_hash."""
    from audit.hashing import GENESIS_PREV
    from edc.models import LedgerEntry

    problems = []
    expected_seq, previous = 1, bytes.fromhex(GENESIS_PREV)
    for seq, prev_hash, leaf_hash in session.execute(
        select(LedgerEntry.seq, LedgerEntry.prev_hash, LedgerEntry.leaf_hash).order_by(LedgerEntry.seq)
    ):
        if seq != expected_seq:
            problems.append(f"gap: expected seq {expected_seq}, found {seq}")
        if bytes(prev_hash) != previous:
            problems.append(f"fork: entry {seq} does not link to entry {seq - 1}")
        expected_seq, previous = seq + 1, bytes(leaf_hash)
    return problems


def instance_histories(session) -> dict[tuple[str, str], list[tuple[int, dict[str, str | None]]]]:
    """Per (subject, instance): the revisions the ledger records and the entered values after each."""
    from audit.entry import Entry
    from edc.models import LedgerEntry

    histories: dict[tuple[str, str], list[tuple[int, dict[str, str | None]]]] = defaultdict(list)
    state: dict[tuple[str, str], dict[str, str | None]] = defaultdict(dict)
    rows = session.execute(select(LedgerEntry.body).where(LedgerEntry.action.in_(("crf.created", "crf.updated", "crf.removed")))
                           .order_by(LedgerEntry.seq)).scalars()
    for body in rows:
        entry = Entry.from_bytes(bytes(body))
        key = (entry.record.subject, entry.record.instance)
        for change in entry.payload.get("changes", []):
            state[key][change["field"]] = change["new"]
        histories[key].append((entry.payload["revision"], dict(state[key])))
    return histories


def invariant_problems(url: str, outcomes: Outcomes, *, trusted_checkpoint: str | None = None) -> list[str]:
    """Everything that must hold after a load or fault run, as sentences (empty when all holds)."""
    from sqlalchemy.orm import Session

    from edc.db import make_engine
    from edc.models import FormInstance, Subject
    from edc.services.ledger_audit import verify_database
    from edc.services.replay import compare_with_tables

    engine = make_engine(url)
    problems: list[str] = []
    try:
        with Session(engine) as session:
            problems += chain_problems(session)
            report = verify_database(session, trusted_checkpoint=trusted_checkpoint)
            if not report.ok:
                problems += [f"ledger: {line}" for line in report.summary()]
            problems += [f"replay: {line}" for line in compare_with_tables(session)]
            histories = instance_histories(session)
            tables = {(code, instance.ref): instance.revision for instance, code in
                      session.execute(select(FormInstance, Subject.code).join(Subject, Subject.id == FormInstance.subject_id))}
            for key, revision in tables.items():
                revisions = [r for r, _ in histories.get(key, [])]
                if revisions != list(range(1, revision + 1)):
                    problems.append(f"{key}: revision {revision} in the tables but ledger revisions {revisions}")
            for key in histories.keys() - tables.keys():
                problems.append(f"orphan ledger entries for {key}: no such form instance")
            problems += _acknowledged_missing(outcomes, histories)
    finally:
        engine.dispose()
    return problems


def _acknowledged_missing(outcomes: Outcomes, histories) -> list[str]:
    """Every acknowledged save is one of the recorded states, in the order the user made them."""
    problems = []
    by_instance: dict[tuple[str, str], list[Attempt]] = defaultdict(list)
    for attempt in outcomes.attempts:
        by_instance[(attempt.subject, attempt.instance)].append(attempt)
    for key, attempts in by_instance.items():
        states = [{name: values.get(name) for name in CONMED_FIELDS} for _, values in histories.get(key, [])]
        position = 0
        for attempt in attempts:
            if not attempt.acknowledged:
                continue
            wanted = {name: _clean(attempt.values.get(name)) for name in CONMED_FIELDS}
            try:
                position = states.index(wanted, position)
            except ValueError:
                problems.append(f"acknowledged {attempt.kind} of {key} by {attempt.user} is missing: {wanted}")
    return problems


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


# --- one deployment ----------------------------------------------------------------------------

@dataclass
class Deployment:
    url: str
    accounts: list[SeededUser]
    server: Server
    key_file: Path


def postgres_server_url() -> str | None:
    """The PostgreSQL server the tests may create databases in (``EDC_TEST_POSTGRES_URL``)."""
    return os.environ.get("EDC_TEST_POSTGRES_URL")


def require_postgres_server() -> str:
    """The server URL, or skip the test with the reason - never in CI, where it must be set."""
    import pytest

    url = postgres_server_url()
    if url is None:
        if os.environ.get("CI"):
            raise RuntimeError("CI must run the load and fault tests on PostgreSQL: set EDC_TEST_POSTGRES_URL (.ci/run does)")
        pytest.skip("needs PostgreSQL: set EDC_TEST_POSTGRES_URL (e.g. .ci/postgres.sh /tmp/edc-pg 54329)")
    return url


class deployment:
    """Context manager: database, key, seeded users and a started gunicorn; all removed afterwards."""

    def __init__(self, server_url: str, folder: Path, *, users: int, workers: int, checkpoint_every: int = 0,
                 prefix: str = "edc_load"):
        self.server_url, self.folder, self.users, self.workers = server_url, folder, users, workers
        self.checkpoint_every, self.name = checkpoint_every, unique_name(prefix)
        self.server: Server | None = None

    def __enter__(self) -> Deployment:
        from audit.keys import generate_key_file

        self.folder.mkdir(parents=True, exist_ok=True)
        url = create_database(self.server_url, self.name)
        key_file = self.folder / "ledger-key.pem"
        if not key_file.exists():
            generate_key_file(key_file)
        instance = self.folder / "instance"
        instance.mkdir(exist_ok=True)
        try:
            accounts = seed_study(url, key_file, instance, self.users, checkpoint_every=self.checkpoint_every)
            self.server = Server("wsgi:app", self.workers, edc_env(url, key_file, instance, self.checkpoint_every),
                                 self.folder / "gunicorn.log").start()
        except BaseException:
            drop_database(self.server_url, self.name)
            raise
        return Deployment(url, accounts, self.server, key_file)

    def __exit__(self, *_exc) -> None:
        if self.server is not None:
            self.server.stop()
        drop_database(self.server_url, self.name)
