"""Offline verification of a ledger: sequence, canonical bytes, chain links, time order, keys, signatures,
checkpoints and consistency with a checkpoint the auditor kept.

Every record goes through the same ordered checks, and the first failure (in record order, then
check order) is reported with its sequence number:

1. sequence continuity (1, 2, 3 ... without gaps or duplicates);
2. the body is canonical (byte-equal to its RFC 8785 re-encoding) - this also parses it;
3. the body is an entry whose seq matches, whose ``prev`` is the previous body's leaf hash, whose
   timestamp is not earlier than the previous one and whose key id is the key in force (genesis and
   rotations define the key history);
4. the signature verifies under that key;
5. caller-supplied rules (``extra_rules``).

With ``workers > 1`` steps 2 and 4 run in worker processes while the main process walks the chain;
failures carry their record position and step, and the earliest one wins, so the report is
identical to a single-process run.
"""
from __future__ import annotations

import json
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple, Protocol, Sequence

from cryptography.exceptions import InvalidSignature

from .canonical import CanonicalError, parse_canonical
from .checkpoint import CheckpointError, parse_checkpoint
from .entry import GENESIS_ACTION, KEY_ROTATED_ACTION, Entry, EntryError
from .hashing import ENTRY_SIGNING_CONTEXT, GENESIS_PREV, leaf_hash
from .keys import PUBLIC_KEY_SIZE, b64, key_id_for, public_key_from_bytes, unb64
from .merkle import MerkleTree, ProofError, verify_consistency

PROGRESS_EVERY = 1000
CHUNK_SIZE = 1000

# Order of the checks applied to one record; on a tie in record position the lower stage wins.
STAGE_SEQUENCE, STAGE_CANONICAL, STAGE_STRUCTURE, STAGE_SIGNATURE, STAGE_RULE = range(5)


class Rule(Protocol):
    def observe(self, entry: Entry) -> str | None: ...

    def finish(self) -> list[tuple[int, str]]: ...


class KeyPeriod(NamedTuple):
    """A ledger key: introduced by entry ``introduced_at_seq`` (genesis or rotation) and retired by
    rotation entry ``retired_at_seq`` (the last entry it signed), None while still in force."""

    key_id: str
    public_key_b64: str
    introduced_at_seq: int
    retired_at_seq: int | None


class KeyHistory:
    """The sequence of ledger keys, built while verifying genesis and rotation entries."""

    def __init__(self) -> None:
        self.periods: list[KeyPeriod] = []
        self.public_keys: dict[str, bytes] = {}

    @property
    def current_key_id(self) -> str | None:
        return self.periods[-1].key_id if self.periods else None

    def introduce(self, key_id: str, public_bytes: bytes, seq: int) -> None:
        if self.periods:
            last = self.periods[-1]
            self.periods[-1] = last._replace(retired_at_seq=seq)
        self.periods.append(KeyPeriod(key_id, b64(public_bytes), seq, None))
        self.public_keys[key_id] = public_bytes

    def as_of(self, verified_entries: int) -> list[KeyPeriod]:
        """The history as established by the first ``verified_entries`` entries."""
        return [
            period._replace(retired_at_seq=None)
            if period.retired_at_seq is not None and period.retired_at_seq > verified_entries
            else period
            for period in self.periods
            if period.introduced_at_seq <= verified_entries
        ]


@dataclass(frozen=True)
class VerificationReport:
    """The outcome: ``ok`` or the first problem, with the state that was verified before it."""

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    key_history: list[KeyPeriod]
    first_bad_seq: int | None
    problem: str | None
    head_size: int
    head_root_hex: str
    problem_kind: str | None = None

    def summary(self) -> list[str]:
        """Lines for a person reading the verification result."""
        lines = [
            "Ledger INTACT" if self.ok else "Ledger verification FAILED",
            f"entries verified: {self.entries_checked}",
            f"checkpoints verified: {self.checkpoints_checked}",
            f"verified head: size {self.head_size}, root {self.head_root_hex}",
        ]
        for period in self.key_history:
            until = f"retired by entry {period.retired_at_seq}" if period.retired_at_seq else "in force"
            lines.append(f"key {period.key_id}: introduced by entry {period.introduced_at_seq}, {until}")
        if not self.ok:
            if self.first_bad_seq is not None:
                lines.append(f"first bad entry: {self.first_bad_seq}")
            lines.append(f"problem: {self.problem}")
        return lines


@dataclass(order=True, frozen=True)
class _Failure:
    position: int
    stage: int
    seq: int | None = field(compare=False)
    message: str = field(compare=False)
    kind: str = field(compare=False)


def _refuse_float(text: str) -> Any:
    raise CanonicalError(f"number {text} is not an integer; ledger bodies carry no floats")


def _decode_only(body: bytes) -> Any:
    """The parse half of :func:`parse_canonical`, used by the main process when workers re-encode."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=_refuse_float, parse_constant=_refuse_float)
    except (UnicodeDecodeError, json.JSONDecodeError, CanonicalError):
        return parse_canonical(body)  # raises with the same message a single-process run gives


def _canonical_failure(position: int, seq: int, exc: CanonicalError) -> _Failure:
    return _Failure(
        position, STAGE_CANONICAL, seq,
        f"entry {seq}: body is not canonical ({exc}); it was altered or re-encoded", "canonical",
    )


def _signature_failure(position: int, seq: int, key_id: str) -> _Failure:
    return _Failure(
        position, STAGE_SIGNATURE, seq,
        f"entry {seq}: signature does not verify under key {key_id} (entry altered, forged, or signature copied)",
        "signature",
    )


def _verify_signature(public_bytes: bytes, signature: bytes, body: bytes) -> bool:
    try:
        public_key_from_bytes(public_bytes).verify(signature, ENTRY_SIGNING_CONTEXT + body)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _check_chunk(
    public_keys: dict[str, bytes], tasks: Sequence[tuple[int, int, bytes, bytes, str | None]]
) -> _Failure | None:
    """Worker: canonical form and signature of each task; the first failure in the chunk.

    A task without a key id is a record whose structure already failed in the main process: only
    its canonical form can still produce an earlier-ranked failure.
    """
    for position, seq, body, signature, key_id in tasks:
        try:
            parse_canonical(body)
        except CanonicalError as exc:
            return _canonical_failure(position, seq, exc)
        if key_id is not None and not _verify_signature(public_keys[key_id], signature, body):
            return _signature_failure(position, seq, key_id)
    return None


def _as_bytes(value: Any) -> bytes | None:
    if isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return None


class _ChainWalker:
    """Main-process state: expected seq, previous leaf hash and timestamp, key history, Merkle tree."""

    def __init__(self, trusted_keys: Iterable[bytes] | None, rules: Sequence[Rule]):
        self.trusted = None if trusted_keys is None else {bytes(key) for key in trusted_keys}
        self.rules = rules
        self.history = KeyHistory()
        self.tree = MerkleTree()
        self.previous_leaf = b""
        self.previous_ts = ""
        self.count = 0

    def check_sequence(self, position: int, seq: Any) -> _Failure | None:
        expected = position + 1
        if seq == expected and type(seq) is int:
            return None
        if type(seq) is not int:
            return _Failure(position, STAGE_SEQUENCE, expected,
                            f"entry {expected}: record has no valid sequence number ({seq!r})", "sequence")
        if seq == position:
            return _Failure(position, STAGE_SEQUENCE, seq,
                            f"entry {seq}: appears twice (duplicated record)", "sequence")
        if seq > expected:
            missing = f"entry {expected}" if seq == expected + 1 else f"entries {expected}..{seq - 1}"
            return _Failure(position, STAGE_SEQUENCE, expected,
                            f"entry {expected}: missing ({missing} absent, next record is entry {seq}): "
                            f"deleted, lost or reordered", "sequence")
        return _Failure(position, STAGE_SEQUENCE, expected,
                        f"entry {expected}: expected here but found entry {seq} (records reordered or duplicated)",
                        "sequence")

    def check_structure(self, position: int, seq: int, obj: Any, body: bytes) -> tuple[_Failure | None, Entry | None]:
        try:
            entry = Entry.from_dict(obj)
        except EntryError as exc:
            return self._fail(position, seq, f"body is not a valid entry ({exc})", "structure"), None
        if entry.seq != seq:
            return self._fail(position, seq, f"body says it is entry {entry.seq} (entries swapped or renumbered)",
                              "chain"), None
        expected_prev = self.previous_leaf.hex() if position else GENESIS_PREV
        if entry.prev != expected_prev:
            return self._fail(position, seq, f"previous-hash link broken (entry {seq - 1} altered, removed or "
                                             f"reordered)", "chain"), None
        if entry.ts < self.previous_ts:
            return self._fail(position, seq, f"timestamp {entry.ts} is earlier than entry {seq - 1}'s "
                                             f"{self.previous_ts} (back-dated)", "time"), None
        problem = self._check_key(position, seq, entry)
        if problem is not None:
            return problem, None
        return None, entry

    def _fail(self, position: int, seq: int, message: str, kind: str) -> _Failure:
        return _Failure(position, STAGE_STRUCTURE, seq, f"entry {seq}: {message}", kind)

    def _check_key(self, position: int, seq: int, entry: Entry) -> _Failure | None:
        if position == 0:
            return self._check_genesis(entry)
        if entry.action == GENESIS_ACTION:
            return self._fail(position, seq, "a second genesis entry inside the ledger", "keys")
        current = self.history.current_key_id
        if entry.key_id != current:
            hint = " (a key rotation must be signed by the key it replaces)" if entry.action == KEY_ROTATED_ACTION else ""
            return self._fail(position, seq, f"names key {entry.key_id} but the key in force is {current}{hint}",
                              "keys")
        if entry.action == KEY_ROTATED_ACTION:
            return self._check_rotation(position, entry)
        return None

    def _payload_key(self, entry: Entry, id_name: str, key_name: str) -> tuple[str | None, bytes, str]:
        payload = entry.payload
        if payload.keys() != {id_name, key_name}:
            return f"payload must hold exactly {id_name} and {key_name}", b"", ""
        try:
            public = unb64(payload[key_name])
        except ValueError as exc:
            return f"{key_name}: {exc}", b"", ""
        if len(public) != PUBLIC_KEY_SIZE:
            return f"{key_name} is not a {PUBLIC_KEY_SIZE}-byte Ed25519 key", b"", ""
        try:
            public_key_from_bytes(public)
        except ValueError:
            return f"{key_name} is not a valid Ed25519 public key", b"", ""
        derived = key_id_for(public)
        if payload[id_name] != derived:
            return f"{id_name} {payload[id_name]!r} does not match the key (its id is {derived})", b"", ""
        return None, public, derived

    def _check_genesis(self, entry: Entry) -> _Failure | None:
        if entry.action != GENESIS_ACTION:
            return self._fail(0, 1, f"the first entry must be {GENESIS_ACTION}, found {entry.action}", "keys")
        problem, public, key_id = self._payload_key(entry, "key_id", "public_key")
        if problem:
            return self._fail(0, 1, f"genesis {problem}", "keys")
        if entry.key_id != key_id:
            return self._fail(0, 1, f"genesis is signed with key {entry.key_id}, not the key {key_id} it introduces",
                              "keys")
        if self.trusted is not None and public not in self.trusted:
            return self._fail(0, 1, f"genesis key {key_id} is not one of the trusted keys: the ledger was "
                                    f"re-created or re-signed with another key", "untrusted-key")
        self.history.introduce(key_id, public, 1)
        return None

    def _check_rotation(self, position: int, entry: Entry) -> _Failure | None:
        problem, public, key_id = self._payload_key(entry, "new_key_id", "new_public_key")
        if problem:
            return self._fail(position, entry.seq, f"key rotation {problem}", "keys")
        if key_id in self.history.public_keys:
            return self._fail(position, entry.seq, f"key rotation reintroduces key {key_id}", "keys")
        return None

    def accept(self, seq: int, entry: Entry, leaf: bytes) -> None:
        """Advance the chain past an entry whose structure passed (rotation takes effect after it)."""
        if entry.action == KEY_ROTATED_ACTION:
            self.history.introduce(entry.payload["new_key_id"], unb64(entry.payload["new_public_key"]), seq)
        self.previous_leaf = leaf
        self.previous_ts = entry.ts
        self.tree.append(leaf)
        self.count = seq

    def observe_rules(self, position: int, seq: int, entry: Entry) -> _Failure | None:
        for rule in self.rules:
            problem = rule.observe(entry)
            if problem:
                return _Failure(position, STAGE_RULE, seq, f"entry {seq}: {problem}", "rule")
        return None


def _walk_single(walker: _ChainWalker, records: Iterable[Any], progress: Callable[[int], None] | None) -> _Failure | None:
    keys = walker.history.public_keys
    for position, record in enumerate(records):
        seq, body, signature = record
        failure = walker.check_sequence(position, seq)
        if failure:
            return failure
        body = _as_bytes(body)
        signature = _as_bytes(signature)
        if body is None or signature is None:
            return walker._fail(position, seq, "record body or signature is not bytes", "structure")
        try:
            obj = parse_canonical(body)
        except CanonicalError as exc:
            return _canonical_failure(position, seq, exc)
        failure, entry = walker.check_structure(position, seq, obj, body)
        if failure:
            return failure
        if not _verify_signature(keys[entry.key_id], signature, body):
            return _signature_failure(position, seq, entry.key_id)
        walker.accept(seq, entry, leaf_hash(body))
        failure = walker.observe_rules(position, seq, entry)
        if failure:
            return failure
        if progress is not None and seq % PROGRESS_EVERY == 0:
            progress(seq)
    if progress is not None:
        progress(walker.count)
    return None


def _walk_parallel(
    walker: _ChainWalker, records: Iterable[Any], progress: Callable[[int], None] | None, workers: int
) -> _Failure | None:
    """Walk the chain here; canonical form and signatures in ``workers`` processes, chunk by chunk.

    Chunks are collected in submission (record) order and at most ``4 * workers`` are in flight, so
    memory stays bounded and the first failing chunk ends the run: nothing after it can rank earlier.
    """
    pending: deque[Future[_Failure | None]] = deque()
    failures: list[_Failure] = []
    tasks: list[tuple[int, int, bytes, bytes, str | None]] = []
    keys = walker.history.public_keys
    pool = ProcessPoolExecutor(max_workers=workers)

    def flush() -> None:
        if tasks:
            pending.append(pool.submit(_check_chunk, dict(keys), list(tasks)))
            tasks.clear()

    def collect(limit: int) -> bool:
        while len(pending) > limit:
            result = pending.popleft().result()
            if result is not None:
                failures.append(result)
                return True
        return False

    try:
        for position, record in enumerate(records):
            seq, body, signature = record
            failure = walker.check_sequence(position, seq)
            if failure:
                failures.append(failure)
                break
            body = _as_bytes(body)
            signature = _as_bytes(signature)
            if body is None or signature is None:
                failures.append(walker._fail(position, seq, "record body or signature is not bytes", "structure"))
                break
            try:
                obj = _decode_only(body)
            except CanonicalError as exc:
                failures.append(_canonical_failure(position, seq, exc))
                break
            failure, entry = walker.check_structure(position, seq, obj, body)
            tasks.append((position, seq, body, signature, entry.key_id if entry is not None else None))
            if failure:
                failures.append(failure)
                break
            walker.accept(seq, entry, leaf_hash(body))
            failure = walker.observe_rules(position, seq, entry)
            if failure:
                failures.append(failure)
                break
            if len(tasks) >= CHUNK_SIZE:
                flush()
                if collect(4 * workers):
                    break
            if progress is not None and seq % PROGRESS_EVERY == 0:
                progress(seq)
        flush()
        collect(0)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if progress is not None and not failures:
        progress(walker.count)
    return min(failures) if failures else None


def _failure_report(walker: _ChainWalker, failure: _Failure, checkpoints_checked: int, entries_verified: int) -> VerificationReport:
    return VerificationReport(
        ok=False,
        entries_checked=entries_verified,
        checkpoints_checked=checkpoints_checked,
        key_history=walker.history.as_of(entries_verified),
        first_bad_seq=failure.seq,
        problem=failure.message,
        head_size=entries_verified,
        head_root_hex=walker.tree.root(entries_verified).hex(),
        problem_kind=failure.kind,
    )


def _check_notes(
    walker: _ChainWalker,
    checkpoints: Iterable[str],
    trusted_checkpoint: str | None,
    trusted_keys: set[bytes] | None,
    origin: str | None,
) -> tuple[_Failure | None, int]:
    size = walker.count
    checked = 0
    end = size  # checkpoint problems sort after every entry problem
    for number, note in enumerate(checkpoints, start=1):
        try:
            checkpoint = parse_checkpoint(note, walker.history.public_keys)
        except CheckpointError as exc:
            return _Failure(end, 0, None, f"checkpoint #{number}: {exc}", "checkpoint"), checked
        if origin is not None and checkpoint.origin != origin:
            return _Failure(end, 0, None, f"checkpoint #{number} is for log {checkpoint.origin!r}, not {origin!r}",
                            "checkpoint"), checked
        if checkpoint.size > size:
            return _Failure(end, 0, size + 1,
                            f"checkpoint #{number} covers {checkpoint.size} entries but the ledger holds {size}: "
                            f"entries {size + 1}..{checkpoint.size} are missing (truncated or rolled back)",
                            "truncation"), checked
        if checkpoint.root != walker.tree.root(checkpoint.size):
            return _Failure(end, 0, None,
                            f"checkpoint #{number} (size {checkpoint.size}): root {checkpoint.root.hex()} does not "
                            f"match the Merkle root of entries 1..{checkpoint.size} "
                            f"({walker.tree.root(checkpoint.size).hex()}): checkpoint or entries altered",
                            "checkpoint"), checked
        checked += 1
    if trusted_checkpoint is None:
        return None, checked
    keys = dict(walker.history.public_keys)
    for key in trusted_keys or ():
        keys.setdefault(key_id_for(key), key)
    try:
        kept = parse_checkpoint(trusted_checkpoint, keys)
    except CheckpointError as exc:
        return _Failure(end, 1, None,
                        f"kept checkpoint: {exc}; the ledger was re-signed with another key, "
                        f"or the checkpoint belongs to another log", "rewrite"), checked
    if origin is not None and kept.origin != origin:
        return _Failure(end, 1, None, f"kept checkpoint is for log {kept.origin!r}, not {origin!r}",
                        "checkpoint"), checked
    if kept.size > size:
        return _Failure(end, 1, size + 1,
                        f"the ledger holds {size} entries but the kept checkpoint covers {kept.size}: "
                        f"entries {size + 1}..{kept.size} are missing (truncated or rolled back)",
                        "truncation"), checked
    head_root = walker.tree.root(size)
    try:
        verify_consistency(kept.size, size, kept.root, head_root, walker.tree.consistency_proof(kept.size, size))
    except ProofError as exc:
        return _Failure(end, 1, None,
                        f"entries 1..{kept.size} do not match the kept checkpoint (size {kept.size}, root "
                        f"{kept.root.hex()}): the ledger was rewritten or forked after it was made ({exc})",
                        "fork"), checked
    return None, checked + 1


def verify_entries(
    records: Iterable[tuple[int, bytes, bytes]],
    *,
    trusted_keys: Iterable[bytes] | None = None,
    checkpoints: Iterable[str] = (),
    trusted_checkpoint: str | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
    extra_rules: Iterable[Rule] = (),
    origin: str | None = None,
) -> VerificationReport:
    """Verify a whole ledger given as ``(seq, body, signature)`` records in sequence order.

    ``trusted_keys``: raw public keys the auditor accepts for the genesis key (None: any).
    ``checkpoints``: signed notes that must verify under a key of the history and match the entries.
    ``trusted_checkpoint``: a note the auditor kept; the ledger must extend it (truncation, rollback,
    rewrite and forks fail).  ``checkpoints_checked`` counts it too.  ``origin``: when given, every
    checkpoint must be for this log.
    """
    trusted = None if trusted_keys is None else {bytes(key) for key in trusted_keys}
    rules = list(extra_rules)
    walker = _ChainWalker(trusted, rules)
    if workers > 1:
        failure = _walk_parallel(walker, records, progress, workers)
    else:
        failure = _walk_single(walker, records, progress)
    if failure is None and walker.count == 0:
        failure = _Failure(0, STAGE_SEQUENCE, 1, "entry 1: the ledger holds no entries (no genesis entry)", "sequence")
    if failure is not None:
        return _failure_report(walker, failure, 0, failure.position)
    late = sorted(problem for rule in rules for problem in rule.finish())
    if late:
        seq, message = late[0]
        failure = _Failure(seq - 1, STAGE_RULE, seq, f"entry {seq}: {message}", "rule")
        return _failure_report(walker, failure, 0, walker.count)
    failure, checked = _check_notes(walker, checkpoints, trusted_checkpoint, trusted, origin)
    if failure is not None:
        return _failure_report(walker, failure, checked, walker.count)
    return VerificationReport(
        ok=True,
        entries_checked=walker.count,
        checkpoints_checked=checked,
        key_history=list(walker.history.periods),
        first_bad_seq=None,
        problem=None,
        head_size=walker.count,
        head_root_hex=walker.tree.root().hex(),
    )
