"""The CTCAE coding dictionary: versioned imports, each ledgered; AEs keep the version they were
coded with.  The shipped short-list serves until a full dictionary is imported."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from forms.ctcae.parse import CtcaeParse, parse_ctcae_csv, parse_ctcae_json
from forms.ctcae.shortlist import SHORTLIST_VERSION, dictionary_mapping

from ..models import DictionaryTerm, DictionaryVersion
from ..wiring import actor_for
from . import ledger as ledger_service
from .errors import DomainError


class DictionaryImportFailed(DomainError):
    def __init__(self, issues: list[str]):
        self.issues = issues
        super().__init__(f"The dictionary was not imported: {len(issues)} problem(s); first: {issues[0]}")


def parse_file(path: Path) -> CtcaeParse:
    """Parse a CTCAE v5.0 file: JSON of the shared shape, or a CSV export of NCI's spreadsheet."""
    if path.suffix.lower() == ".csv":
        return parse_ctcae_csv(path)
    return parse_ctcae_json(path)


def import_ctcae(session: Session, ledger, user, path: Path, version: str = "CTCAE v5.0") -> DictionaryVersion:
    """Import every term of ``path`` as a new active dictionary version; the previous one is kept.

    :raises DictionaryImportFailed: when any entry is malformed (nothing is imported then).
    """
    parsed = parse_file(path)
    if parsed.errors:
        raise DictionaryImportFailed([str(issue) for issue in parsed.errors])
    if not parsed.terms:
        raise DictionaryImportFailed(["the file holds no terms"])
    source_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    session.execute(update(DictionaryVersion).values(active=False))
    row = DictionaryVersion(name="CTCAE", version=version, source_sha256=source_sha, term_count=len(parsed.terms), active=True,
                            imported_at=ledger.clock())
    session.add(row)
    session.flush()
    session.add_all(
        DictionaryTerm(version_id=row.id, term=term.term, meddra_code=term.meddra, soc=term.soc,
                       grades_json=json.dumps(term.as_entry(), sort_keys=True), definition=term.definition,
                       other_specify=term.other_specify)
        for term in parsed.terms
    )
    session.flush()
    ledger_service.append(
        session, ledger,
        actor=actor_for(user) if user is not None else ledger_service.SYSTEM_ACTOR,
        action="dictionary.imported",
        payload={"dictionary_id": row.id, "name": "CTCAE", "version": version, "terms": len(parsed.terms),
                 "source_sha256": source_sha, "source_name": path.name},
    )
    return row


def active_dictionary(session: Session) -> tuple[str, dict[str, dict[str, Any]]]:
    """(version label, term -> entry) of the active import, or the shipped short-list."""
    row = session.execute(select(DictionaryVersion).where(DictionaryVersion.active.is_(True))).scalar_one_or_none()
    if row is None:
        return SHORTLIST_VERSION, dictionary_mapping()
    terms = session.execute(select(DictionaryTerm).where(DictionaryTerm.version_id == row.id)).scalars()
    label = f"{row.name} {row.version} import {row.id} ({row.source_sha256[:12]})"
    return label, {term.term: json.loads(term.grades_json) for term in terms}


def search_terms(dictionary: dict[str, dict[str, Any]], text: str, limit: int = 30) -> list[tuple[str, dict[str, Any]]]:
    """Terms whose name or SOC contains ``text`` (case-insensitive), names first."""
    needle = text.strip().lower()
    if not needle:
        return []
    by_name = [(t, e) for t, e in dictionary.items() if needle in t.lower()]
    by_soc = [(t, e) for t, e in dictionary.items() if needle in (e.get("soc") or "").lower() and (t, e) not in by_name]
    return sorted(by_name)[:limit] + sorted(by_soc, key=lambda item: item[0])[: max(0, limit - len(by_name))]


