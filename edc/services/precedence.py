"""Consent precedence, proven from the ledger alone (a verifier rule, no database).

For every subject: no screening or treatment entry precedes guardian permission; no NK-infusion
entry is made while the subject's consent is on a version other than the one in force that day;
nothing but follow-up is entered after a withdrawal of all further procedures.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from audit.entry import Entry
from forms.schedule import event

CRF_ACTIONS = ("crf.created", "crf.updated")


@dataclass
class _Document:
    document_id: int
    kind: str
    version: str
    effective: date
    retired: date | None


@dataclass
class _Subject:
    consent_document_id: int | None = None
    withdrawn_scope: str | None = None


@dataclass
class ConsentPrecedenceRule:
    documents: dict[int, _Document] = field(default_factory=dict)
    subjects: dict[str, _Subject] = field(default_factory=dict)

    def observe(self, entry: Entry) -> str | None:
        action, payload, subject_code = entry.action, entry.payload, entry.record.subject
        if action == "consent.document_registered":
            self.documents[payload["document_id"]] = _Document(
                payload["document_id"], payload["kind"], payload["version_label"],
                date.fromisoformat(payload["effective_date"]),
                date.fromisoformat(payload["retirement_date"]) if payload.get("retirement_date") else None,
            )
        elif action == "consent.document_retired":
            document = self.documents.get(payload["document_id"])
            if document is not None:
                document.retired = date.fromisoformat(payload["retirement_date"])
        elif action == "consent.given" and subject_code:
            state = self.subjects.setdefault(subject_code, _Subject())
            state.consent_document_id = payload["document_id"]
            state.withdrawn_scope = None
        elif action == "consent.withdrawn" and subject_code:
            self.subjects.setdefault(subject_code, _Subject()).withdrawn_scope = payload["scope"]
        elif action in CRF_ACTIONS and subject_code and entry.record.instance:
            return self._check_entry(entry, subject_code)
        return None

    def _check_entry(self, entry: Entry, subject_code: str) -> str | None:
        event_key = entry.record.instance.split(".", 1)[0]
        try:
            phase = event(event_key).phase
        except KeyError:
            return None
        state = self.subjects.get(subject_code, _Subject())
        if phase in ("screening", "treatment") and state.consent_document_id is None:
            return f"{entry.record.form} data for subject {subject_code} were entered before guardian permission was recorded"
        if state.withdrawn_scope == "ALL" and phase != "any":
            return f"{entry.record.form} data for subject {subject_code} were entered after consent was withdrawn"
        if entry.record.form == "infusion":
            in_force = self._guardian_document_on(date.fromisoformat(entry.ts[:10]))
            if in_force is not None and state.consent_document_id != in_force.document_id:
                return (f"NK-infusion data for subject {subject_code} were entered while consent was not on "
                        f"version {in_force.version}, the version in force that day")
        return None

    def _guardian_document_on(self, day: date) -> _Document | None:
        candidates = [d for d in self.documents.values()
                      if d.kind == "guardian" and d.effective <= day and (d.retired is None or d.retired > day)]
        return max(candidates, key=lambda d: (d.effective, d.document_id), default=None)

    def finish(self) -> list[tuple[int, str]]:
        return []
