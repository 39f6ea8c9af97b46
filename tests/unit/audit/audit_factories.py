"""Ledgers built in memory with a fixed clock, and helpers that tamper with them (used via conftest)."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from audit.chain import InMemoryLedger
from audit.entry import Actor, Entry, RecordRef, seal
from audit.keys import LedgerSigner

ORIGIN = "edc.example.org/NCT06674265/ledger"
START = datetime(2025, 3, 1, 9, 0, 0, tzinfo=timezone.utc)
INVESTIGATOR = Actor(user_id=7, name="Dr Ana Ruiz", role="investigator")
COORDINATOR = Actor(user_id=9, name="Tomás Bello", role="coordinator")


def signer_from_seed(seed_byte: int) -> LedgerSigner:
    """A deterministic signer, so that two ledgers built alike have identical bytes."""
    return LedgerSigner(Ed25519PrivateKey.from_private_bytes(bytes([seed_byte]) * 32))


class FixedClock:
    """Starts at ``START`` and advances one second per reading."""

    def __init__(self, start: datetime = START, step: timedelta = timedelta(seconds=1)):
        self.now = start
        self.step = step

    def __call__(self) -> datetime:
        current = self.now
        self.now = current + self.step
        return current


def crf_payload(i: int) -> dict[str, Any]:
    return {
        "changes": [
            {"field": "weight_kg", "old": None if i % 2 else "12.40", "new": f"{12 + i % 7}.50"},
            {"field": "ae_term", "old": "Fever", "new": "Febrile neutropenia"},
        ],
        "form_version": "1.0",
    }


def build_ledger(
    n: int,
    signer: LedgerSigner | None = None,
    rotate_at: int | None = None,
    new_signer: LedgerSigner | None = None,
    variant: str = "",
    diverge_at: int = 1,
) -> InMemoryLedger:
    """A ledger of exactly ``n`` entries: entry 1 is genesis; entry ``rotate_at`` (when given) rotates
    to ``new_signer``; ``variant`` changes the payloads from entry ``diverge_at`` on (forks)."""
    ledger = InMemoryLedger(signer or signer_from_seed(1), FixedClock())
    while len(ledger.entries) < n:
        seq = len(ledger.entries) + 1
        if seq == rotate_at:
            ledger.rotate(new_signer or signer_from_seed(2), INVESTIGATOR, "scheduled key rotation")
            continue
        payload = crf_payload(seq)
        if variant and seq >= diverge_at:
            payload["variant"] = variant
        ledger.append(
            INVESTIGATOR if seq % 3 else COORDINATOR,
            "crf.save",
            RecordRef(site="01", subject=f"01-{seq % 5:03d}", form="vitals", instance="1"),
            payload,
            "transcription error" if seq % 4 == 0 else None,
        )
    return ledger


def body_of(records: list[tuple[int, bytes, bytes]], seq: int) -> dict[str, Any]:
    return json.loads(records[seq - 1][1])


def with_body(records: list[tuple[int, bytes, bytes]], seq: int, mutate: Callable[[dict[str, Any]], None]) -> list:
    """Change entry ``seq``'s body (canonically re-encoded) and keep its original signature."""
    body = body_of(records, seq)
    mutate(body)
    changed = list(records)
    changed[seq - 1] = (seq, rfc8785.dumps(body), records[seq - 1][2])
    return changed


def resealed(records: list[tuple[int, bytes, bytes]], seq: int, mutate: Callable[[dict[str, Any]], None],
             signer: LedgerSigner) -> list:
    """Change entry ``seq`` and sign it again with ``signer`` (an insider holding a key)."""
    body = body_of(records, seq)
    mutate(body)
    entry = Entry.from_dict(body)
    sealed = seal(replace(entry, key_id=signer.key_id) if entry.key_id != signer.key_id else entry, signer)
    changed = list(records)
    changed[seq - 1] = sealed.as_record()
    return changed
