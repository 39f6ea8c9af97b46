"""Canonical encoding: values are kept exactly or refused, never silently altered."""
from __future__ import annotations

import json

import pytest

from audit.canonical import CanonicalError, canonical_bytes, is_canonical, normalize, parse_canonical


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"weight": "12.50"}, b'{"weight":"12.50"}'),
        ({"b": 1, "a": [True, None, "x"]}, b'{"a":[true,null,"x"],"b":1}'),
        ({"n": 2**53 - 1}, b'{"n":9007199254740991}'),
        ({"n": -(2**53 - 1)}, b'{"n":-9007199254740991}'),
        ({"t": ("a", "b")}, b'{"t":["a","b"]}'),
        ({"name": "Jose\u0301"}, '{"name":"Jos\u00e9"}'.encode()),
        ({"e\u0301": 1}, '{"\u00e9":1}'.encode()),
        ({"tab": "a\tb", "quote": 'say "hi"'}, b'{"quote":"say \\"hi\\"","tab":"a\\tb"}'),
        # RFC 8785 orders keys by UTF-16 code units: U+1F600 (D83D DE00) sorts before U+FB01
        ({"\ufb01": 1, "\U0001f600": 2, "z": 3}, '{"z":3,"\U0001f600":2,"\ufb01":1}'.encode()),
    ],
)
def test_canonical_bytes_keep_values_and_follow_rfc8785(value, expected):
    assert canonical_bytes(value) == expected


def test_a_decimal_string_stays_exactly_as_entered():
    assert json.loads(canonical_bytes({"v": "12.50"}))["v"] == "12.50"


@pytest.mark.parametrize(
    ("value", "path_fragment"),
    [
        ({"weight": 12.5}, "$.weight"),
        ({"x": float("nan")}, "$.x"),
        ({"x": float("inf")}, "$.x"),
        ({"x": 1.0}, "$.x"),
        ({"n": 2**53}, "$.n"),
        ({"n": -(2**53)}, "$.n"),
        ({1: "a"}, "$"),
        ({"a": {(1, 2): "b"}}, "$.a"),
        ({"list": [1, 2, 3.5]}, "$.list[2]"),
        ({"d": b"bytes"}, "$.d"),
        ({"s": "\ud800"}, "$.s"),
        ({"e\u0301": 1, "\u00e9": 2}, "$"),
    ],
)
def test_values_that_would_change_are_refused_with_their_path(value, path_fragment):
    with pytest.raises(CanonicalError) as caught:
        canonical_bytes(value)
    assert path_fragment in str(caught.value)


def test_canonical_error_is_a_value_error():
    assert issubclass(CanonicalError, ValueError)


def test_normalize_turns_tuples_into_lists_and_keeps_booleans_distinct_from_integers():
    assert normalize({"a": (True, 1, False, 0)}) == {"a": [True, 1, False, 0]}
    assert normalize({"a": (True,)})["a"][0] is True


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"b":"12.50"}',
        b'{}',
        b'[]',
        '{"name":"Jos\u00e9"}'.encode(),
    ],
)
def test_canonical_bytes_are_recognised(data):
    assert is_canonical(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1, "b":2}',  # extra space
        b'{"b":2,"a":1}',  # keys reordered
        b'{"a":1}\n',  # trailing newline
        b'{"a":1,"a":1}',  # duplicate key
        b'{"a":1,"a":2}',  # duplicate key, different value
        b'{"a":"\\u0041"}',  # needless escape
        b'{"a":1.0}',  # float
        b'{"a":1e2}',  # exponent
        b'{"a":NaN}',  # not JSON
        b'{"a":9007199254740992}',  # beyond 2**53 - 1
        '{"a":"Jose\u0301"}'.encode(),  # not NFC
        b'{"a":"\xff"}',  # not UTF-8
        b'{"a":',  # truncated
        b'',
    ],
)
def test_non_canonical_bytes_are_refused(data):
    assert not is_canonical(data)
    with pytest.raises(CanonicalError):
        parse_canonical(data)


def test_parse_canonical_returns_the_parsed_value():
    assert parse_canonical(b'{"a":[1,"x"]}') == {"a": [1, "x"]}
