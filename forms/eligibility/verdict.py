"""Three-valued criterion outcomes: met, not met (with the reason), or not assessable (with what is missing).

A criterion that cannot be shown met is not met for enrolment, but the site needs to know whether to
correct a value or to enter a missing one, so the two are kept apart until the conclusion.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable


@dataclass(frozen=True)
class Verdict:
    met: bool | None
    reason: str = ""
    missing: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.met is False

    @property
    def unknown(self) -> bool:
        return self.met is None


MET = Verdict(True)


def fails(reason: str) -> Verdict:
    return Verdict(False, reason)


def unknown(*missing: str) -> Verdict:
    return Verdict(None, missing=tuple(missing))


def all_met(verdicts: Iterable[Verdict]) -> Verdict:
    """Kleene AND: the first failure wins; otherwise unknown if any part is unknown; otherwise met."""
    missing: list[str] = []
    for verdict in verdicts:
        if verdict.failed:
            return verdict
        if verdict.unknown:
            missing.extend(name for name in verdict.missing if name not in missing)
    return unknown(*missing) if missing else MET


def any_met(verdicts: Iterable[Verdict], reason: str) -> Verdict:
    """Kleene OR: met if any part is met; unknown if none met but some unknown; else fails with ``reason``."""
    missing: list[str] = []
    seen_unknown = False
    for verdict in verdicts:
        if verdict.met is True:
            return MET
        if verdict.unknown:
            seen_unknown = True
            missing.extend(name for name in verdict.missing if name not in missing)
    return unknown(*missing) if seen_unknown else fails(reason)


def missing_among(values: dict[str, object], *names: str) -> tuple[str, ...]:
    return tuple(name for name in names if values.get(name) is None)
