"""The auditor's workspace: verify the ledger from the browser, keep and check checkpoints, download
inclusion proofs and the offline bundle (read-only apart from signing a checkpoint on request)."""
