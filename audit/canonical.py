"""Canonical JSON (RFC 8785) for ledger bodies, with the EDC's stricter value rules.

Values are never silently altered: anything that JSON or RFC 8785 would change on a round trip
(floats, integers beyond IEEE 754 precision, non-string keys, tuples of odd types) is refused with
a :class:`CanonicalError` that names the path of the offending value.  Clinical numbers therefore
travel as the strings the user typed ("12.50" stays "12.50").  Strings are NFC-normalised at this
boundary, so two spellings of the same accented name produce the same bytes.
"""
from __future__ import annotations

import json
import unicodedata
from typing import Any

import rfc8785

MAX_SAFE_INTEGER = 2**53 - 1


class CanonicalError(ValueError):
    """A value cannot be encoded canonically without being altered."""


class _Refused(Exception):
    """Raised by the fast path; the checked path then re-runs to name where and why."""


def _fast(obj: Any) -> Any:
    """The common case without building a path string per node (ASCII text, small integers)."""
    kind = type(obj)
    if kind is str:
        return obj if obj.isascii() else _normalize_str(obj, "")
    if kind is dict:
        result = {}
        for key, value in obj.items():
            if type(key) is not str or not key.isascii():
                raise _Refused
            result[key] = _fast(value)
        return result
    if obj is None or obj is True or obj is False:
        return obj
    if kind is int and -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
        return obj
    if kind is list or kind is tuple:
        return [_fast(item) for item in obj]
    raise _Refused


def normalize(obj: Any, path: str = "$") -> Any:
    """Return a copy of ``obj`` fit for RFC 8785: NFC strings, lists for sequences, checked scalars.

    :raises CanonicalError: for floats, out-of-range integers, non-string keys, keys that collide
        after NFC normalisation, strings that are not valid Unicode, or unsupported types.
    """
    try:
        return _fast(obj)
    except (_Refused, CanonicalError):
        return _checked(obj, path)


def _checked(obj: Any, path: str) -> Any:
    if obj is None or obj is True or obj is False:
        return obj
    if isinstance(obj, str):
        return _normalize_str(obj, path)
    if isinstance(obj, int) and not isinstance(obj, bool):
        if -MAX_SAFE_INTEGER <= obj <= MAX_SAFE_INTEGER:
            return int(obj)
        raise CanonicalError(
            f"{path}: integer {obj} is outside +-(2**53-1); store it as a string to keep every digit"
        )
    if isinstance(obj, float):
        raise CanonicalError(
            f"{path}: floating-point value {obj!r} refused; store numbers as the entered string"
        )
    if isinstance(obj, dict):
        result: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise CanonicalError(f"{path}: object key {key!r} is not a string")
            nkey = _normalize_str(key, f"{path}.<key {key!r}>")
            if nkey in result:
                raise CanonicalError(f"{path}: keys {key!r} and another collide after NFC normalisation")
            result[nkey] = _checked(value, f"{path}.{nkey}")
        return result
    if isinstance(obj, (list, tuple)):
        return [_checked(item, f"{path}[{index}]") for index, item in enumerate(obj)]
    raise CanonicalError(f"{path}: values of type {type(obj).__name__} cannot enter the ledger")


def _normalize_str(value: str, path: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise CanonicalError(f"{path}: string contains a lone surrogate (not valid Unicode)") from None
    return unicodedata.normalize("NFC", value)


def canonical_bytes(obj: Any) -> bytes:
    """RFC 8785 bytes of ``normalize(obj)``.

    :raises CanonicalError: see :func:`normalize`.
    """
    return rfc8785.dumps(normalize(obj))


def _refuse_float(text: str) -> Any:
    raise CanonicalError(f"number {text} is not an integer; ledger bodies carry no floats")


def _refuse_constant(text: str) -> Any:
    raise CanonicalError(f"{text} is not valid JSON")


def parse_canonical(data: bytes) -> Any:
    """Parse ``data`` and prove it is exactly the canonical encoding of what it holds.

    One parse, one re-encoding, one byte comparison.  Duplicate keys, extra whitespace, another
    key order, other escapes, non-NFC text, floats and oversized integers all fail, because the
    re-encoding of the parsed value then differs from ``data`` or the parse refuses it.

    :raises CanonicalError: naming what is wrong.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError(f"not valid UTF-8 (byte {exc.start})") from None
    try:
        obj = json.loads(text, parse_float=_refuse_float, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise CanonicalError(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not unicodedata.is_normalized("NFC", text):
        raise CanonicalError("text is not NFC-normalised")
    try:
        again = rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        raise CanonicalError(f"cannot be re-encoded canonically ({exc})") from None
    if again != data:
        raise CanonicalError(_describe_difference(data, again))
    return obj


def _describe_difference(data: bytes, canonical: bytes) -> str:
    at = next(
        (i for i, (a, b) in enumerate(zip(data, canonical)) if a != b),
        min(len(data), len(canonical)),
    )
    return (
        f"bytes differ from their RFC 8785 re-encoding at offset {at} "
        f"({len(data)} bytes stored, {len(canonical)} canonical): whitespace, key order, "
        f"escaping or a duplicate key"
    )


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is byte-identical to the canonical re-encoding of its parsed JSON."""
    try:
        parse_canonical(data)
    except CanonicalError:
        return False
    return True
