"""Ledger benchmark without a database: the audit package against the raw cryptographic limits.

Run ``python bench/ledger_raw.py [--entries N] [--workers 1,2]``.  It builds N entries in memory
(~400 bytes of payload each), then prints, beside the raw limit measured in the same run on the same
bodies, the in-memory seal (append) rate and the full verification rate per worker count, and the
time to produce an inclusion proof at N entries.

Raw limits (``raw_pipeline_rates``): cryptography's Ed25519 sign and verify, RFC 8785 encoding plus
SHA-256, and the two pipelines the ledger is measured against: encode + hash + sign, and
encode + hash + verify.  ``bench/ledger.py`` (database appends) reuses these functions.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import rfc8785  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from audit.chain import InMemoryLedger  # noqa: E402
from audit.entry import Actor, RecordRef  # noqa: E402
from audit.keys import LedgerSigner  # noqa: E402
from audit.merkle import MerkleTree, verify_inclusion  # noqa: E402
from audit.verifier import verify_entries  # noqa: E402

VERIFY_GOAL = 0.85  # full verification >= 0.85 x raw verify pipeline, per worker
SEAL_GOAL = 0.5  # batched append >= 0.5 x raw sign pipeline
PROOF_GOAL_S = 0.005  # inclusion proof at 100,000 entries under 5 ms

ACTOR = Actor(user_id=12, name="Dr Ana Ruiz", role="investigator")


def realistic_payload(i: int) -> dict[str, Any]:
    """About 400 bytes of field-level changes, as an adverse-event save produces."""
    return {
        "form_version": "1.2",
        "changes": [
            {"field": "ae_term", "old": "Fever", "new": "Febrile neutropenia"},
            {"field": "ctcae_grade", "old": "2", "new": "3"},
            {"field": "onset_date", "old": "2025-01-01", "new": f"2025-01-{1 + i % 28:02d}"},
            {"field": "temperature_c", "old": "38.10", "new": f"39.{i % 100:02d}"},
            {"field": "serious", "old": "N", "new": "Y"},
            {"field": "action_taken", "old": None, "new": "Infusion interrupted; paracetamol given"},
        ],
        "query_ref": f"Q-{i:06d}",
    }


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 1, 1, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def build_ledger(entries: int, signer: LedgerSigner | None = None) -> tuple[InMemoryLedger, float]:
    """A ledger of ``entries`` entries and its in-memory seal rate (entries per second)."""
    ledger = InMemoryLedger(signer or LedgerSigner.generate(), _Clock())
    record = RecordRef(site="01", subject="01-0007", form="adverse_event", instance="3")
    started = time.perf_counter()
    for i in range(entries - 1):
        ledger.append(ACTOR, "crf.save", record, realistic_payload(i), "Corrected after source data review")
    elapsed = time.perf_counter() - started
    return ledger, (entries - 1) / elapsed


def _rate(count: int, work: Callable[[], None]) -> float:
    started = time.perf_counter()
    work()
    return count / (time.perf_counter() - started)


def raw_pipeline_rates(payloads: Sequence[Any]) -> dict[str, float]:
    """Operations per second of the raw building blocks on ``payloads`` (JSON-ready objects).

    Pass whole entry bodies for a like-for-like comparison with the ledger.
    """
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    count = len(payloads)
    encoded = [rfc8785.dumps(p) for p in payloads]
    signatures = [key.sign(body) for body in encoded]
    sha256 = hashlib.sha256

    def encode_hash() -> None:
        for p in payloads:
            sha256(rfc8785.dumps(p)).digest()

    def sign() -> None:
        for body in encoded:
            key.sign(body)

    def verify() -> None:
        for body, signature in zip(encoded, signatures):
            public.verify(signature, body)

    def sign_pipeline() -> None:
        for p in payloads:
            body = rfc8785.dumps(p)
            sha256(body).digest()
            key.sign(body)

    def verify_pipeline() -> None:
        for p, signature in zip(payloads, signatures):
            body = rfc8785.dumps(p)
            sha256(body).digest()
            public.verify(signature, body)

    return {
        "encode_hash": _rate(count, encode_hash),
        "sign": _rate(count, sign),
        "verify": _rate(count, verify),
        "sign_pipeline": _rate(count, sign_pipeline),
        "verify_pipeline": _rate(count, verify_pipeline),
    }


def verify_rate(records: Sequence[tuple[int, bytes, bytes]], workers: int = 1) -> float:
    """Entries per second of full verification (chain, canonical form, signatures, Merkle head)."""
    started = time.perf_counter()
    report = verify_entries(records, workers=workers)
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"benchmark ledger failed verification: {report.problem}")
    return len(records) / elapsed


def inclusion_proof_seconds(tree: MerkleTree, samples: int = 2000) -> tuple[float, float]:
    """Median and worst time to produce (not verify) an inclusion proof at the tree's full size."""
    size = tree.size
    step = max(1, size // samples)
    times = []
    for index in range(0, size, step):
        started = time.perf_counter()
        tree.inclusion_proof(index, size)
        times.append(time.perf_counter() - started)
    last = size - 1
    verify_inclusion(tree.leaf(last), last, size, tree.inclusion_proof(last, size), tree.root())
    return statistics.median(times), max(times)


def _line(label: str, value: float, limit_label: str = "", limit: float | None = None, goal: float | None = None) -> str:
    text = f"{label:<42}{value:>12,.0f}/s"
    if limit is not None:
        ratio = value / limit
        verdict = "" if goal is None else ("  meets goal" if ratio >= goal else f"  BELOW goal {goal}")
        text += f"   {limit_label} {limit:>10,.0f}/s   ratio {ratio:.2f}{verdict}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts for verification")
    parser.add_argument("--raw-sample", type=int, default=10_000, help="bodies used for the raw limits")
    args = parser.parse_args(argv)

    print(f"building {args.entries:,} entries in memory ...", flush=True)
    ledger, seal_rate = build_ledger(args.entries)
    records = ledger.records()
    body_bytes = statistics.mean(len(body) for _, body, _ in records[1:1001])
    payload_bytes = len(rfc8785.dumps(realistic_payload(1)))
    print(f"entries: {len(records):,}; mean body {body_bytes:.0f} bytes (payload {payload_bytes} bytes)")

    bodies = [json.loads(body) for _, body, _ in records[1 : 1 + args.raw_sample]]
    raw = raw_pipeline_rates(bodies)
    print("\nraw limits (same bodies, this run):")
    for name in ("encode_hash", "sign", "verify", "sign_pipeline", "verify_pipeline"):
        print(_line(f"  {name.replace('_', ' ')}", raw[name]))

    print("\naudit package:")
    print(_line("  seal (in-memory append, 1 process)", seal_rate, "raw sign pipeline", raw["sign_pipeline"], SEAL_GOAL))
    for workers in (int(w) for w in args.workers.split(",")):
        rate = verify_rate(records, workers)
        print(_line(f"  verify, {workers} worker(s)", rate, "raw verify pipeline", raw["verify_pipeline"] * workers,
                    VERIFY_GOAL))
    median, worst = inclusion_proof_seconds(ledger.tree)
    verdict = "meets goal" if median < PROOF_GOAL_S else "BELOW goal"
    print(f"  inclusion proof at {ledger.tree.size:,} entries: median {median * 1e6:.1f} us, "
          f"worst {worst * 1e6:.1f} us (goal < {PROOF_GOAL_S * 1e3:.0f} ms: {verdict})")
    started = time.perf_counter()
    ledger.tree.consistency_proof(ledger.tree.size // 3, ledger.tree.size)
    print(f"  consistency proof {ledger.tree.size // 3:,} -> {ledger.tree.size:,}: "
          f"{(time.perf_counter() - started) * 1e6:.1f} us")
    print(f"  note: {os.cpu_count()} CPU(s) on this machine; ratios for N workers use N x the raw pipeline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
