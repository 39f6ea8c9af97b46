"""What the Ledger page lists: checkpoints, and the key history with its rotation entries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.entry import GENESIS_ACTION, KEY_ROTATED_ACTION, Entry

from ..models import LedgerCheckpoint, LedgerEntry


@dataclass(frozen=True)
class KeyRow:
    seq: int
    ts: str
    action: str
    key_id: str
    public_key: str
    actor: str
    reason: str | None
    retired_by: int | None


def key_history(session: Session) -> list[KeyRow]:
    rows = session.execute(
        select(LedgerEntry.body).where(LedgerEntry.action.in_((GENESIS_ACTION, KEY_ROTATED_ACTION))).order_by(LedgerEntry.seq)
    ).scalars()
    history: list[KeyRow] = []
    for body in rows:
        try:
            entry = Entry.from_bytes(bytes(body))
        except ValueError:
            continue
        payload = entry.payload
        key_id = payload.get("key_id") or payload.get("new_key_id") or ""
        public = payload.get("public_key") or payload.get("new_public_key") or ""
        if history:
            history[-1] = KeyRow(**{**history[-1].__dict__, "retired_by": entry.seq})
        history.append(KeyRow(entry.seq, entry.ts, entry.action, key_id, public,
                              f"{entry.actor.name} ({entry.actor.role})", entry.reason, None))
    return history


def checkpoints(session: Session, limit: int = 50) -> tuple[list[LedgerCheckpoint], int]:
    total = session.execute(select(func.count()).select_from(LedgerCheckpoint)).scalar_one()
    rows = list(session.execute(select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(limit)).scalars())
    return rows, total
