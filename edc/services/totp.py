"""Time-based one-time codes (RFC 6238 via pyotp), the enrolment QR code and recovery codes.

A code is accepted at most once: the caller stores the time-step of the last accepted code and
every later code must come from a later step, so a code seen over a shoulder or replayed from a
log is refused even inside its validity window (21 CFR 11.300(d)).
"""
from __future__ import annotations

import base64
import io
import secrets
from datetime import datetime

import pyotp
import segno

INTERVAL_S = 30
VALID_WINDOW = 1  # the previous and the next 30 s step are accepted too (clock drift)
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud or typed from paper


def new_secret() -> str:
    return pyotp.random_base32()


def time_step(moment: datetime) -> int:
    return int(moment.timestamp()) // INTERVAL_S


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=INTERVAL_S).at(step * INTERVAL_S)


def accepted_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time-step ``code`` belongs to, or None when it is wrong, outside the window or replayed."""
    code = normalise_code(code)
    if not (secret and code.isdigit() and len(code) == 6):
        return None
    current = time_step(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(code_at_step(secret, step), code):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def looks_like_totp(code: str) -> bool:
    cleaned = normalise_code(code)
    return len(cleaned) == 6 and cleaned.isdigit()


def provisioning_uri(secret: str, username: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=INTERVAL_S).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg_data_uri(uri: str) -> str:
    """The enrolment QR code as an SVG data URI, drawn here: the secret never leaves the server."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, dark="#000", light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes of the form ``abcd-efgh-jkmn`` (about 59 bits each)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes
