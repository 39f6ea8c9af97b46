"""The verifier catches every record-level tamper scenario and names the first bad sequence number."""
from __future__ import annotations

import json

import pytest
import rfc8785
from audit_factories import (
    INVESTIGATOR,
    ORIGIN,
    START,
    FixedClock,
    body_of,
    build_ledger,
    resealed,
    signer_from_seed,
    with_body,
)

import audit.verifier as verifier_module
from audit.chain import InMemoryLedger
from audit.checkpoint import Checkpoint
from audit.entry import Entry, RecordRef, seal
from audit.hashing import leaf_hash, signing_message
from audit.keys import b64
from audit.verifier import VerificationReport, verify_entries

N = 30
REAL = signer_from_seed(1)
ATTACKER = signer_from_seed(66)


def ledger(n: int = N, **options) -> InMemoryLedger:
    return build_ledger(n, **options)


def assert_fails_at(report: VerificationReport, seq: int | None, *fragments: str, kind: str | None = None) -> None:
    assert not report.ok
    assert report.first_bad_seq == seq, report.problem
    for fragment in fragments:
        assert fragment in report.problem, report.problem
    if seq is not None:
        assert report.problem.startswith(f"entry {seq}:"), report.problem
    if kind is not None:
        assert report.problem_kind == kind, report.problem


def assert_truncation(report: VerificationReport, seq: int) -> None:
    """Truncation is a ledger-level problem that still names the first missing sequence number."""
    assert not report.ok and report.first_bad_seq == seq and report.problem_kind == "truncation", report.problem


# --- intact ledgers ---------------------------------------------------------------------------------


def test_an_intact_ledger_verifies_with_its_head_and_key_history():
    built = ledger()
    report = verify_entries(built.records(), trusted_keys=[REAL.public_bytes])
    assert report.ok and report.problem is None and report.first_bad_seq is None
    assert report.entries_checked == report.head_size == N
    assert report.head_root_hex == built.tree.root().hex()
    assert report.key_history == [(REAL.key_id, REAL.public_b64, 1, None)]
    assert report.summary()[0] == "Ledger INTACT"


def test_a_rotated_key_is_in_the_history_and_signs_every_later_entry():
    new = signer_from_seed(2)
    built = ledger(rotate_at=12, new_signer=new)
    assert json.loads(built.records()[11][1])["key_id"] == REAL.key_id
    assert json.loads(built.records()[12][1])["key_id"] == new.key_id
    report = verify_entries(built.records())
    assert report.ok
    assert report.key_history == [(REAL.key_id, REAL.public_b64, 1, 12), (new.key_id, new.public_b64, 12, None)]
    assert any("retired by entry 12" in line for line in report.summary())


def test_progress_is_reported_along_the_way_and_at_the_end(monkeypatch):
    monkeypatch.setattr(verifier_module, "PROGRESS_EVERY", 10)
    seen: list[int] = []
    assert verify_entries(ledger().records(), progress=seen.append).ok
    assert seen == [10, 20, 30, 30]


def test_bodies_from_a_database_driver_as_memoryview_or_bytearray_are_accepted():
    records = [(seq, memoryview(body), bytearray(sig)) for seq, body, sig in ledger(5).records()]
    assert verify_entries(records).ok


def test_an_empty_ledger_is_not_intact():
    assert_fails_at(verify_entries([]), 1, "no entries")


# --- altered content ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "mutate"),
    [
        ("payload", lambda b: b["payload"]["changes"][0].update(new="13.50")),
        ("actor", lambda b: b["actor"].update(name="Dr Somebody Else")),
        ("actor role", lambda b: b["actor"].update(role="admin")),
        ("timestamp", lambda b: b.update(ts="2025-03-01T09:00:16.500000Z")),
        ("reason", lambda b: b.update(reason="no reason")),
        ("record", lambda b: b["record"].update(subject="01-099")),
        ("action", lambda b: b.update(action="crf.delete")),
    ],
)
def test_an_altered_entry_fails_its_signature_at_its_own_sequence_number(what, mutate):
    report = verify_entries(with_body(ledger().records(), 17, mutate))
    assert_fails_at(report, 17, f"signature does not verify under key {REAL.key_id}", kind="signature")
    assert report.entries_checked == report.head_size == 16
    assert report.head_root_hex == ledger().tree.root(16).hex()
    assert "first bad entry: 17" in report.summary()


def test_a_back_dated_timestamp_is_caught_even_when_signed_by_the_ledger_key():
    records = resealed(ledger().records(), 17, lambda b: b.update(ts="2025-03-01T08:00:00.000000Z"), REAL)
    assert_fails_at(verify_entries(records), 17, "earlier than entry 16", "back-dated", kind="time")


def test_a_back_dated_timestamp_without_a_new_signature_is_caught():
    records = with_body(ledger().records(), 17, lambda b: b.update(ts="2025-03-01T08:00:00.000000Z"))
    assert_fails_at(verify_entries(records), 17, "back-dated")


def test_an_entry_rewritten_and_re_signed_by_an_insider_breaks_the_next_link():
    records = resealed(ledger().records(), 17, lambda b: b.update(reason="rewritten"), REAL)
    assert_fails_at(verify_entries(records), 18, "previous-hash link broken (entry 17 altered, removed or reordered)",
                    kind="chain")


# --- removed, inserted, duplicated and reordered entries ----------------------------------------------------


def test_a_deleted_middle_entry_is_named():
    records = ledger().records()
    del records[9]
    assert_fails_at(verify_entries(records), 10, "missing", kind="sequence")


def test_a_deleted_middle_entry_with_renumbered_successors_is_named():
    records = ledger().records()
    del records[9]
    renumbered = records[:9] + [(seq - 1, body, sig) for seq, body, sig in records[9:]]
    assert_fails_at(verify_entries(renumbered), 10, "body says it is entry 11", kind="chain")


def test_an_inserted_forged_entry_is_named():
    records = ledger().records()
    forged_entry = Entry.from_dict({**body_of(records, 10), "payload": {"forged": "yes"}})
    forged_body = forged_entry.to_bytes()
    forged = (10, forged_body, ATTACKER.sign(signing_message(forged_body)))
    tampered = records[:9] + [forged] + [(seq + 1, body, sig) for seq, body, sig in records[9:]]
    assert_fails_at(verify_entries(tampered), 10, f"signature does not verify under key {REAL.key_id}")


def test_two_swapped_records_are_named():
    records = ledger().records()
    records[11], records[12] = records[12], records[11]
    assert_fails_at(verify_entries(records), 12, "missing", "next record is entry 13")


def test_two_swapped_bodies_under_unchanged_sequence_numbers_are_named():
    records = ledger().records()
    (s12, b12, g12), (s13, b13, g13) = records[11], records[12]
    records[11], records[12] = (12, b13, g13), (13, b12, g12)
    assert_fails_at(verify_entries(records), 12, "body says it is entry 13", "swapped")


def test_a_duplicated_record_is_named():
    records = ledger().records()
    records.insert(5, records[4])
    assert_fails_at(verify_entries(records), 5, "appears twice")


def test_a_deleted_genesis_is_named():
    assert_fails_at(verify_entries(ledger().records()[1:]), 1, "missing")


def test_a_deleted_tail_is_caught_against_a_kept_checkpoint():
    built = ledger()
    kept = built.checkpoint_note(ORIGIN)
    report = verify_entries(built.records()[:25], trusted_checkpoint=kept)
    assert_truncation(report, 26)
    assert "entries 26..30 are missing" in report.problem


def test_a_truncated_ledger_is_caught_by_its_own_later_checkpoint():
    built = ledger()
    note = built.checkpoint_note(ORIGIN)
    assert_truncation(verify_entries(built.records()[:20], checkpoints=[note]), 21)


# --- signatures and keys ----------------------------------------------------------------------------------


def test_a_signature_copied_from_another_entry_is_named():
    records = ledger().records()
    records[7] = (8, records[7][1], records[3][2])
    assert_fails_at(verify_entries(records), 8, "signature does not verify")


def test_a_replaced_genesis_public_key_is_caught():
    def replace_key(body):
        body["payload"] = {"public_key": ATTACKER.public_b64, "key_id": ATTACKER.key_id}
        body["key_id"] = ATTACKER.key_id

    assert_fails_at(verify_entries(with_body(ledger().records(), 1, replace_key)), 1,
                    f"signature does not verify under key {ATTACKER.key_id}")


def test_a_replaced_and_re_signed_genesis_is_caught_by_the_chain_and_by_trusted_keys():
    def replace_key(body):
        body["payload"] = {"public_key": ATTACKER.public_b64, "key_id": ATTACKER.key_id}

    records = resealed(ledger().records(), 1, replace_key, ATTACKER)
    assert_fails_at(verify_entries(records), 2, "previous-hash link broken")
    assert_fails_at(verify_entries(records, trusted_keys=[REAL.public_bytes]), 1, "not one of the trusted keys",
                    kind="untrusted-key")


def test_a_genesis_whose_key_id_does_not_match_its_key_is_refused():
    records = resealed(ledger().records(), 1, lambda b: b["payload"].update(key_id="0" * 16), REAL)
    assert_fails_at(verify_entries(records), 1, "does not match the key", kind="keys")


def test_a_chain_recomputed_and_re_signed_with_an_attackers_key_is_caught_by_trusted_keys():
    forged = ledger(signer=ATTACKER, variant="rewritten")
    assert verify_entries(forged.records()).ok  # self-consistent: only outside trust can tell
    assert_fails_at(verify_entries(forged.records(), trusted_keys=[REAL.public_bytes]), 1,
                    f"genesis key {ATTACKER.key_id} is not one of the trusted keys")


def test_a_chain_recomputed_and_re_signed_with_an_attackers_key_is_caught_by_a_kept_checkpoint():
    kept = ledger().checkpoint_note(ORIGIN)
    forged = ledger(signer=ATTACKER, variant="rewritten")
    report = verify_entries(forged.records(), trusted_checkpoint=kept)
    assert not report.ok and report.problem_kind == "rewrite"
    assert "kept checkpoint" in report.problem and "re-signed with another key" in report.problem


def test_a_rotation_entry_naming_the_new_key_is_refused_because_the_old_key_must_sign_it():
    new = signer_from_seed(2)
    records = resealed(ledger(rotate_at=12, new_signer=new).records(), 12, lambda b: None, new)
    assert_fails_at(verify_entries(records), 12, f"names key {new.key_id} but the key in force is {REAL.key_id}",
                    "must be signed by the key it replaces", kind="keys")


def test_a_rotation_entry_claiming_the_old_key_but_signed_by_another_is_refused():
    new = signer_from_seed(2)
    records = ledger(rotate_at=12, new_signer=new).records()
    body = records[11][1]
    records[11] = (12, body, ATTACKER.sign(signing_message(body)))
    assert_fails_at(verify_entries(records), 12, f"signature does not verify under key {REAL.key_id}")


def test_a_rotation_to_an_attacker_key_signed_by_the_attacker_is_refused():
    def to_attacker(body):
        body["payload"] = {"new_key_id": ATTACKER.key_id, "new_public_key": ATTACKER.public_b64}

    records = with_body(ledger(rotate_at=12).records(), 12, to_attacker)
    body = records[11][1]
    records[11] = (12, body, ATTACKER.sign(signing_message(body)))
    assert_fails_at(verify_entries(records), 12, "signature does not verify")


def test_an_entry_signed_by_the_retired_key_after_a_rotation_is_refused():
    new = signer_from_seed(2)
    records = resealed(ledger(rotate_at=12, new_signer=new).records(), 15, lambda b: None, REAL)
    assert_fails_at(verify_entries(records), 15, f"names key {REAL.key_id} but the key in force is {new.key_id}")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"new_key_id": "0" * 16, "new_public_key": b64(b"k" * 32)}, "does not match the key"),
        ({"new_public_key": b64(b"k" * 32)}, "payload must hold exactly"),
        ({"new_key_id": "0" * 16, "new_public_key": "not base64!"}, "malformed base64"),
        ({"new_key_id": "0" * 16, "new_public_key": b64(b"short")}, "32-byte"),
    ],
)
def test_a_malformed_rotation_payload_is_refused(payload, message):
    records = resealed(ledger(rotate_at=12).records(), 12, lambda b: b.update(payload=payload), REAL)
    assert_fails_at(verify_entries(records), 12, message, kind="keys")


def test_a_rotation_back_to_a_key_already_used_is_refused():
    payload = {"new_key_id": REAL.key_id, "new_public_key": REAL.public_b64}
    records = resealed(ledger(rotate_at=12).records(), 12, lambda b: b.update(payload=payload), REAL)
    assert_fails_at(verify_entries(records), 12, "reintroduces key")


def test_a_second_genesis_inside_the_ledger_is_refused():
    records = resealed(ledger().records(), 9, lambda b: b.update(action="ledger.genesis"), REAL)
    assert_fails_at(verify_entries(records), 9, "second genesis")


def test_a_ledger_not_starting_with_genesis_is_refused():
    records = resealed(ledger().records(), 1, lambda b: b.update(action="crf.save"), REAL)
    assert_fails_at(verify_entries(records), 1, "must be ledger.genesis")


# --- canonical form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "reencode"),
    [
        ("extra space", lambda body: body.replace(b'"seq":', b'"seq": ', 1)),
        ("reordered keys", lambda body: json.dumps(dict(reversed(json.loads(body).items())), separators=(",", ":"),
                                                   ensure_ascii=False).encode()),
        ("ascii escapes", lambda body: json.dumps(json.loads(body), separators=(",", ":"), sort_keys=True).encode()),
        ("pretty printed", lambda body: json.dumps(json.loads(body), indent=1, sort_keys=True,
                                                   ensure_ascii=False).encode()),
        ("duplicate key", lambda body: body.replace(b'{"action":', b'{"action":"x","action":', 1)),
    ],
)
def test_a_body_re_encoded_non_canonically_is_named(what, reencode):
    records = ledger().records()
    seq, body, sig = records[8]  # entry 9: coordinator "Tomás" has a non-ASCII name
    assert json.loads(reencode(body)) == json.loads(body)
    assert reencode(body) != body
    records[8] = (seq, reencode(body), sig)
    assert_fails_at(verify_entries(records), 9, "not canonical", kind="canonical")


def test_a_body_that_is_not_json_is_named():
    records = ledger().records()
    records[8] = (9, records[8][1][:-5], records[8][2])
    assert_fails_at(verify_entries(records), 9, "not canonical", "not valid JSON")


def test_a_body_with_an_unknown_key_is_named_even_if_canonical():
    records = resealed(ledger().records(), 9, lambda b: None, REAL)
    body = json.loads(records[8][1])
    body["extra"] = 1
    raw = rfc8785.dumps(body)
    records[8] = (9, raw, REAL.sign(signing_message(raw)))
    assert_fails_at(verify_entries(records), 9, "unknown extra", kind="structure")


# --- checkpoints ------------------------------------------------------------------------------------------


def test_checkpoints_at_several_sizes_verify():
    built = ledger()
    notes = [built.checkpoint_note(ORIGIN, size=size) for size in (1, 7, 16, 30)]
    report = verify_entries(built.records(), checkpoints=notes, trusted_checkpoint=notes[1], origin=ORIGIN)
    assert report.ok and report.checkpoints_checked == 5


def test_a_checkpoint_with_a_wrong_root_is_named():
    built = ledger()
    wrong = Checkpoint(ORIGIN, 16, built.tree.root(15), "2025-03-01T10:00:00.000000Z").to_note(REAL)
    report = verify_entries(built.records(), checkpoints=[built.checkpoint_note(ORIGIN, size=8), wrong])
    assert not report.ok and report.problem_kind == "checkpoint"
    assert report.problem.startswith("checkpoint #2 (size 16): root") and "entries 1..16" in report.problem
    assert report.checkpoints_checked == 1


def test_a_checkpoint_note_altered_after_signing_is_named():
    built = ledger()
    note = built.checkpoint_note(ORIGIN, size=16).replace("\n16\n", "\n15\n")
    report = verify_entries(built.records(), checkpoints=[note])
    assert not report.ok and report.problem.startswith("checkpoint #1:") and "does not verify" in report.problem


def test_a_checkpoint_signed_by_a_key_outside_the_history_is_named():
    built = ledger()
    note = Checkpoint(ORIGIN, 10, built.tree.root(10), "2025-03-01T10:00:00.000000Z").to_note(ATTACKER)
    report = verify_entries(built.records(), checkpoints=[note])
    assert not report.ok and "no signature by a known ledger key" in report.problem


def test_a_checkpoint_for_another_log_is_named():
    built = ledger()
    report = verify_entries(built.records(), checkpoints=[built.checkpoint_note("other.example/log")], origin=ORIGIN)
    assert not report.ok and "not 'edc.example.org" in report.problem


def test_checkpoints_signed_by_a_retired_key_still_verify():
    built = ledger(12)
    early = built.checkpoint_note(ORIGIN)
    built.rotate(signer_from_seed(2))
    while len(built.entries) < N:
        built.append(INVESTIGATOR, "crf.save", RecordRef(site="01"), {"n": str(len(built.entries))})
    assert verify_entries(built.records(), checkpoints=[early, built.checkpoint_note(ORIGIN)],
                          trusted_checkpoint=early).ok


# --- kept checkpoint: consistency, forks and rollbacks -------------------------------------------------------


def test_a_ledger_that_grew_after_the_kept_checkpoint_proves_it_extends_it():
    kept = ledger(20).checkpoint_note(ORIGIN)
    assert verify_entries(ledger(30).records(), trusted_checkpoint=kept).ok


def test_a_fork_sharing_a_prefix_is_caught_against_a_kept_checkpoint():
    kept = ledger(20).checkpoint_note(ORIGIN)
    fork = ledger(30, variant="fork", diverge_at=13)
    assert fork.records()[:12] == ledger(20).records()[:12]
    assert verify_entries(fork.records()).ok  # properly signed: only the kept checkpoint can tell
    report = verify_entries(fork.records(), trusted_checkpoint=kept)
    assert not report.ok and report.problem_kind == "fork"
    assert "entries 1..20 do not match the kept checkpoint" in report.problem and "forked" in report.problem


def test_a_kept_checkpoint_signed_by_an_auditor_trusted_key_exposes_a_rekeyed_fork():
    kept = ledger(20).checkpoint_note(ORIGIN)
    forged = ledger(30, signer=ATTACKER, variant="fork", diverge_at=13)
    report = verify_entries(forged.records(), trusted_checkpoint=kept, trusted_keys=[REAL.public_bytes, ATTACKER.public_bytes])
    assert not report.ok and report.problem_kind == "fork"


def test_a_rolled_back_ledger_is_caught_against_a_kept_checkpoint():
    kept = ledger(30).checkpoint_note(ORIGIN)
    report = verify_entries(ledger(22).records(), trusted_checkpoint=kept)
    assert_truncation(report, 23)
    assert "entries 23..30 are missing" in report.problem


# --- extra rules ------------------------------------------------------------------------------------------


class NoSaveAfterWithdrawal:
    """A stand-in for the consent-precedence rule: no data saved for a subject after withdrawal."""

    def __init__(self):
        self.withdrawn: set[str] = set()
        self.pending: list[tuple[int, str]] = []

    def observe(self, entry: Entry) -> str | None:
        if entry.action == "consent.withdrawn":
            self.withdrawn.add(entry.record.subject)
        elif entry.action == "crf.save" and entry.record.subject in self.withdrawn:
            return f"data saved for {entry.record.subject} after consent was withdrawn"
        return None

    def finish(self) -> list[tuple[int, str]]:
        return self.pending


def ledger_with_withdrawal() -> InMemoryLedger:
    built = InMemoryLedger(REAL, FixedClock(START))
    built.append(INVESTIGATOR, "crf.save", RecordRef(site="01", subject="01-001"), {"a": "1"})
    built.append(INVESTIGATOR, "consent.withdrawn", RecordRef(site="01", subject="01-001"), {})
    built.append(INVESTIGATOR, "crf.save", RecordRef(site="01", subject="01-002"), {"a": "2"})
    built.append(INVESTIGATOR, "crf.save", RecordRef(site="01", subject="01-001"), {"a": "3"})
    return built


def test_an_extra_rule_problem_is_reported_at_its_entry():
    report = verify_entries(ledger_with_withdrawal().records(), extra_rules=[NoSaveAfterWithdrawal()])
    assert_fails_at(report, 5, "after consent was withdrawn", kind="rule")
    assert report.entries_checked == 4


def test_problems_found_by_a_rule_at_the_end_name_the_earliest_entry():
    rule = NoSaveAfterWithdrawal()
    rule.pending = [(4, "late problem B"), (3, "late problem A")]
    report = verify_entries(ledger(6).records(), extra_rules=[rule])
    assert_fails_at(report, 3, "late problem A", kind="rule")


def test_a_signature_failure_outranks_a_rule_problem_at_the_same_entry():
    records = with_body(ledger_with_withdrawal().records(), 5, lambda b: b["payload"].update(a="4"))
    assert_fails_at(verify_entries(records, extra_rules=[NoSaveAfterWithdrawal()]), 5, "signature")


# --- worker processes give the same answer ------------------------------------------------------------------


def rotated_records():
    return ledger(rotate_at=12, new_signer=signer_from_seed(2)).records()


def non_canonical_then_broken_signature():
    records = with_body(rotated_records(), 5, lambda b: b.update(reason="x"))
    seq, body, sig = records[8]
    records[8] = (seq, body.replace(b'"seq":', b'"seq": '), sig)
    return records


def broken_signature_before_a_chain_break():
    records = with_body(rotated_records(), 21, lambda b: b.update(reason="x"))
    del records[25]
    return records


def non_canonical_entry_that_is_also_structurally_bad():
    records = rotated_records()
    body = json.loads(records[16][1])
    body["unknown"] = 1
    records[16] = (17, json.dumps(body).encode(), records[16][2])
    return records


SCENARIOS = {
    "intact": rotated_records,
    "altered payload": lambda: with_body(rotated_records(), 17, lambda b: b.update(reason="x")),
    "signature then non-canonical": non_canonical_then_broken_signature,
    "signature before chain break": broken_signature_before_a_chain_break,
    "canonical outranks structure": non_canonical_entry_that_is_also_structurally_bad,
    "swapped": lambda: (lambda r: r[:11] + [r[12], r[11]] + r[13:])(rotated_records()),
    "bad rotation": lambda: resealed(rotated_records(), 12, lambda b: None, signer_from_seed(2)),
    "not json": lambda: [(s, b if s != 23 else b[:10], g) for s, b, g in rotated_records()],
}


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_two_worker_processes_produce_the_same_report_as_one(scenario, monkeypatch):
    monkeypatch.setattr(verifier_module, "CHUNK_SIZE", 4)
    records = SCENARIOS[scenario]()
    kept = ledger(rotate_at=12, new_signer=signer_from_seed(2)).checkpoint_note(ORIGIN, size=20)
    single = verify_entries(records, trusted_checkpoint=kept, extra_rules=[NoSaveAfterWithdrawal()])
    parallel = verify_entries(records, trusted_checkpoint=kept, extra_rules=[NoSaveAfterWithdrawal()], workers=2)
    assert parallel == single
    assert single.ok == (scenario == "intact")


def test_the_parallel_scenarios_fail_where_expected():
    expected = {"altered payload": 17, "signature then non-canonical": 5, "signature before chain break": 21,
                "canonical outranks structure": 17, "swapped": 12, "bad rotation": 12, "not json": 23}
    for name, seq in expected.items():
        report = verify_entries(SCENARIOS[name]())
        assert report.first_bad_seq == seq, (name, report.problem)
    assert verify_entries(SCENARIOS["canonical outranks structure"]()).problem_kind == "canonical"


def test_an_entry_sealed_directly_matches_the_in_memory_ledger_bytes():
    built = ledger(3)
    entry = Entry.from_bytes(built.entries[2].body)
    again = seal(entry, REAL)
    assert again.body == built.entries[2].body and again.leaf_hash == leaf_hash(again.body)
