"""Every consent-precedence finding in the ledger, not only the first.

``edc ledger verify`` stops at the first entry that breaks the rule (it is a verification failure
like any other); the auditor also wants the complete list, per subject, to judge its extent.  The
rule is the verifier's own :class:`edc.services.precedence.ConsentPrecedenceRule`.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.entry import Entry

from ..models import LedgerEntry
from ..services.precedence import ConsentPrecedenceRule


def precedence_findings(session: Session, batch: int = 5000) -> tuple[list[tuple[int, str]], int]:
    """``([(seq, message), ...], number of subjects seen)`` over the whole ledger."""
    rule = ConsentPrecedenceRule()
    findings: list[tuple[int, str]] = []
    subjects: set[str] = set()
    last = 0
    while True:
        rows = session.execute(
            select(LedgerEntry.seq, LedgerEntry.body).where(LedgerEntry.seq > last).order_by(LedgerEntry.seq).limit(batch)
        ).all()
        if not rows:
            break
        for seq, body in rows:
            try:
                entry = Entry.from_bytes(bytes(body))
            except ValueError:
                continue  # an unreadable body is the verifier's finding, reported with its seq
            if entry.record.subject:
                subjects.add(entry.record.subject)
            problem = rule.observe(entry)
            if problem:
                findings.append((seq, problem))
        last = rows[-1][0]
    findings.extend(rule.finish())
    return sorted(findings), len(subjects)
