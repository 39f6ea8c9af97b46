"""Read-only audit trail views for monitors, data managers and auditors (the ledger verification page joins later)."""
