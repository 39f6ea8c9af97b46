"""Who may receive an NK-cell infusion at all (enforced by the app's service before any form check)."""
from __future__ import annotations

INFUSABLE_STATUSES = frozenset({"enrolled", "on_treatment"})

_NOT_YET = frozenset({"screening", "screen_failure"})
_ENDED = frozenset({"follow_up", "completed", "died"})


def infusion_refusals(arm: str | None, status: str | None, consent_current: bool) -> list[str]:
    """Reasons, in clinical words, why no infusion may be recorded for this subject (empty when allowed)."""
    reasons: list[str] = []
    arm_code = (arm or "").strip().upper()
    state = (status or "").strip().lower()
    if arm_code != "NK":
        if arm_code == "CONTROL":
            reasons.append("This subject is in the control arm: NK-cell infusions are given only in the NK-cell arm.")
        else:
            reasons.append("This subject has no treatment arm yet: NK-cell infusions need enrolment in the NK-cell arm.")
    if state in _NOT_YET or not state:
        reasons.append("This subject is not enrolled: record the enrolment before any infusion.")
    elif state == "withdrawn":
        reasons.append("This subject has been withdrawn from treatment: no further infusion may be given.")
    elif state in _ENDED:
        reasons.append(f"This subject's treatment phase has ended (status: {state.replace('_', ' ')}): "
                       "no further infusion may be given.")
    elif state not in INFUSABLE_STATUSES:
        reasons.append(f"Subject status {state!r} does not allow infusions.")
    if not consent_current:
        reasons.append("The subject's consent is on an outdated version: re-consent on the current version "
                       "before the next infusion.")
    return reasons
