"""The identifier policy every export applies: drop, keyed pseudonym, or clear (restricted)."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from edc.services.errors import PermissionDenied
from edc.services.exports.dataset import IdentifierPolicy, policy_for

KEY = b"k" * 32


@pytest.mark.parametrize("mode, value, expected", [
    ("identified", "2018-03-04", "2018-03-04"),
    ("deidentified", "2018-03-04", None),
    ("identified", None, None),
    ("pseudonymised", None, None),
])
def test_identified_keeps_and_deidentified_drops_the_value(mode, value, expected):
    assert IdentifierPolicy(mode, KEY).apply("RAH-001", "BRTHDTC", value) == expected


def test_a_pseudonym_is_a_stable_keyed_token_that_hides_the_value():
    policy = IdentifierPolicy("pseudonymised", KEY)
    token = policy.apply("RAH-001", "BRTHDTC", "2018-03-04")
    assert re.fullmatch(r"PSEUDO-[0-9a-f]{16}", token)
    assert "2018" not in token
    assert policy.apply("RAH-001", "BRTHDTC", "2018-03-04") == token


@pytest.mark.parametrize("other", [
    ("RAH-002", "BRTHDTC", "2018-03-04"),
    ("RAH-001", "ICDTC", "2018-03-04"),
    ("RAH-001", "BRTHDTC", "2018-03-05"),
])
def test_pseudonyms_differ_across_subjects_fields_and_values(other):
    policy = IdentifierPolicy("pseudonymised", KEY)
    assert policy.apply(*other) != policy.apply("RAH-001", "BRTHDTC", "2018-03-04")


def test_pseudonyms_depend_on_the_key():
    assert (IdentifierPolicy("pseudonymised", b"a" * 32).apply("RAH-001", "BRTHDTC", "x")
            != IdentifierPolicy("pseudonymised", b"b" * 32).apply("RAH-001", "BRTHDTC", "x"))


def _user(role: str):
    grant = SimpleNamespace(role=role, site_id=None, active=True)
    return SimpleNamespace(is_authenticated=True, roles=[grant], attestation_accepted_at="yes", trainings=["course"])


@pytest.mark.parametrize("role, requested, expected", [
    ("data_manager", "identified", "identified"),
    ("data_manager", "pseudonymised", "pseudonymised"),
    ("auditor", "deidentified", "deidentified"),
    ("auditor", None, "deidentified"),
    ("auditor", "something-else", "deidentified"),
])
def test_the_requested_policy_is_granted_to_roles_allowed_to_have_it(role, requested, expected):
    assert policy_for(_user(role), requested, "secret").mode == expected


def test_identifiers_are_refused_to_a_role_without_export_identified():
    with pytest.raises(PermissionDenied):
        policy_for(_user("auditor"), "identified", "secret")
