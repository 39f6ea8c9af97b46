"""Domain errors that views turn into clear messages; each says what to do in the user's terms."""
from __future__ import annotations


class DomainError(Exception):
    """A refused action; ``str(error)`` is written for clinical staff."""


class PermissionDenied(DomainError):
    pass


class NotFound(DomainError):
    pass


class EntryRefused(DomainError):
    """Data entry is not allowed now (consent, enrolment, arm, withdrawal, lock)."""

    def __init__(self, reasons: list[str]):
        self.reasons = reasons
        super().__init__(" ".join(reasons))


class StaleRecord(DomainError):
    """Someone else saved this record since it was opened."""
