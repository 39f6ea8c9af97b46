"""The verifier's consent-precedence rule on crafted ledgers: the order it accepts and the orders it reports."""
from __future__ import annotations

import pytest

from audit.entry import Actor, Entry, RecordRef
from edc.services.precedence import ConsentPrecedenceRule

STAFF = Actor(user_id=7, name="Coordinator Test", role="coordinator")
SYSTEM = Actor(user_id=None, name="EDC system", role="system")


def _entries(steps: list[tuple[str, str, str | None, str | None, str | None, dict]]) -> list[Entry]:
    """``(day, action, subject, form, instance, payload)`` -> entries with consecutive seq numbers."""
    built = []
    for seq, (day, action, subject, form, instance, payload) in enumerate(steps, start=2):
        record = RecordRef(site="RAH" if subject else None, subject=subject, form=form, instance=instance)
        built.append(Entry(seq=seq, ts=f"{day}T08:00:00.000000Z", actor=STAFF if subject else SYSTEM, action=action,
                           record=record, payload=payload, reason=None, prev="a" * 64, key_id="0123456789abcdef"))
    return built


def _document(document_id: int, version: str, effective: str, retired: str | None = None):
    return ("2024-01-01", "consent.document_registered", None, None, None,
            {"document_id": document_id, "kind": "guardian", "version_label": version, "effective_date": effective,
             "retirement_date": retired, "sha256": "0" * 64})


def _given(day: str, subject: str, document_id: int, version: str):
    return (day, "consent.given", subject, None, None, {"document_id": document_id, "version_label": version})


def _crf(day: str, subject: str, form: str, instance: str, action: str = "crf.created"):
    return (day, action, subject, form, instance, {"form_version": 1, "revision": 1, "status": "complete",
                                                   "changes": [], "derived": [], "rule_version": f"{form}/v1"})


def _problems(steps) -> list[tuple[int, str]]:
    rule = ConsentPrecedenceRule()
    found = [(entry.seq, problem) for entry in _entries(steps) if (problem := rule.observe(entry))]
    return found + rule.finish()


def test_screening_after_permission_is_accepted():
    assert _problems([
        _document(1, "1.0", "2024-01-01"),
        ("2026-11-01", "subject.registered", "RAH-001", None, None, {"status": "screening"}),
        _given("2026-11-02", "RAH-001", 1, "1.0"),
        _crf("2026-11-03", "RAH-001", "screening", "screening.1/screening.1"),
        _crf("2026-11-04", "RAH-001", "screening", "screening.1/screening.1", "crf.updated"),
    ]) == []


@pytest.mark.parametrize("form, instance", [
    ("screening", "screening.1/screening.1"),
    ("baseline_conditions", "screening.1/baseline_conditions.1"),
    ("chemotherapy", "chemo.1/chemotherapy.1"),
])
def test_screening_or_treatment_data_before_permission_are_reported(form, instance):
    problems = _problems([
        _document(1, "1.0", "2024-01-01"),
        _crf("2026-11-01", "RAH-001", form, instance),
        _given("2026-11-02", "RAH-001", 1, "1.0"),
    ])
    assert problems == [(3, f"{form} data for subject RAH-001 were entered before guardian permission was recorded")]


def test_permission_of_one_subject_does_not_cover_another():
    problems = _problems([
        _document(1, "1.0", "2024-01-01"),
        _given("2026-11-02", "RAH-001", 1, "1.0"),
        _crf("2026-11-03", "RAH-002", "screening", "screening.1/screening.1"),
    ])
    assert [seq for seq, _ in problems] == [4]
    assert "RAH-002" in problems[0][1]


def test_an_nk_infusion_on_an_outdated_version_is_reported_and_accepted_after_re_consent():
    steps = [
        _document(1, "1.0", "2024-01-01"),
        _given("2026-01-10", "RAH-001", 1, "1.0"),
        _crf("2026-02-01", "RAH-001", "infusion", "infusion.1/infusion.1"),
        _document(2, "2.0", "2026-03-01"),
        _crf("2026-03-02", "RAH-001", "infusion", "infusion.2/infusion.1"),
        _given("2026-03-03", "RAH-001", 2, "2.0"),
        _crf("2026-03-04", "RAH-001", "infusion", "infusion.3/infusion.1"),
    ]
    problems = _problems(steps)
    assert problems == [(6, "NK-infusion data for subject RAH-001 were entered while consent was not on version 2.0, "
                            "the version in force that day")]


def test_data_after_withdrawal_of_all_procedures_are_reported_but_end_of_study_is_not():
    problems = _problems([
        _document(1, "1.0", "2024-01-01"),
        _given("2026-01-10", "RAH-001", 1, "1.0"),
        ("2026-02-01", "consent.withdrawn", "RAH-001", None, None, {"scope": "ALL"}),
        _crf("2026-02-02", "RAH-001", "end_of_study", "end_of_study.1/end_of_study.1"),
        _crf("2026-02-03", "RAH-001", "tumour_assessment", "follow_up.1/tumour_assessment.1"),
    ])
    assert problems == [(6, "tumour_assessment data for subject RAH-001 were entered after consent was withdrawn")]

