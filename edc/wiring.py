"""Study-level helpers the views share: the ledger configuration of the running app and the
acting user's ledger identity."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from audit.entry import Actor

from .permissions import role_at
from .services.ledger import LedgerConfig


def ledger_config() -> LedgerConfig:
    config = current_app.config
    clock = config.get("EDC_CLOCK")
    kwargs = {"clock": clock} if clock else {}
    return LedgerConfig(
        key_file=Path(config["EDC_LEDGER_KEY_FILE"]),
        origin=config["EDC_LEDGER_ORIGIN"],
        checkpoint_every=int(config["EDC_CHECKPOINT_EVERY"]),
        **kwargs,
    )


def actor_for(user, site_id: int | None = None) -> Actor:
    """The ledger identity of ``user`` acting at ``site_id`` (printed name and role, 11.50)."""
    return Actor(user_id=user.id, name=user.printed_name, role=role_at(user, site_id) or "none")
