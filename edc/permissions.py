"""The one declarative permission table (role x action) and the endpoint -> action map.

Every registered endpoint must appear in :data:`ENDPOINTS`; the request hook in
:mod:`edc.security` enforces it before any view runs (deny when missing), and a test walks every
route with every role.  Object-level rules (a subject of another site) are checked in services
with :func:`site_ids_for`.
"""
from __future__ import annotations

from typing import Iterable

PUBLIC = "public"
"""Reachable without logging in (login page, health check, static files)."""
AUTHENTICATED = "authenticated"
"""Any logged-in user whatever the role (home page, own password, logout)."""

SITE_STAFF = frozenset({"investigator", "coordinator"})
READERS = frozenset({"investigator", "coordinator", "monitor", "data_manager", "auditor"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # accounts and study set-up
    "user.manage": frozenset({"admin"}),
    "site.manage": frozenset({"admin"}),
    # clinical data
    "subject.view": READERS,
    "subject.register": SITE_STAFF,
    "crf.enter": SITE_STAFF,
    "consent.capture": SITE_STAFF,
    "consent.document.manage": frozenset({"data_manager"}),
    "eligibility.confirm": frozenset({"investigator"}),
    "subject.enrol": frozenset({"investigator"}),
    "deviation.record": SITE_STAFF | {"monitor", "data_manager"},
    "deviation.view": READERS,
    "safety.view": READERS,
    # monitoring and data management
    "sdv.mark": frozenset({"monitor"}),
    "query.open": frozenset({"monitor", "data_manager"}),
    "query.answer": SITE_STAFF,
    "query.close": frozenset({"monitor", "data_manager"}),
    "query.view": READERS,
    "record.sign": frozenset({"investigator"}),
    "record.lock": frozenset({"data_manager"}),
    # audit and exports
    "audit.trail": frozenset({"monitor", "data_manager", "auditor"}),
    "ledger.verify": frozenset({"auditor", "data_manager"}),
    "export.data": frozenset({"data_manager", "auditor"}),
    "export.identified": frozenset({"data_manager"}),
    "dictionary.manage": frozenset({"data_manager"}),
}

ENDPOINTS: dict[str, str] = {}
"""endpoint name -> action (or PUBLIC / AUTHENTICATED); blueprints register theirs with :func:`requires`."""


def requires(action: str):
    """Declare the action an endpoint needs; used as a decorator on the view function."""
    if action not in PERMISSIONS and action not in (PUBLIC, AUTHENTICATED):
        raise KeyError(f"unknown action {action}")

    def mark(view):
        view.edc_action = action
        return view

    return mark


def role_allows(role: str, action: str) -> bool:
    if action == PUBLIC or action == AUTHENTICATED:
        return True
    return role in PERMISSIONS[action]


def active_roles(user) -> list:
    return [r for r in getattr(user, "roles", []) if r.active]


def user_can(user, action: str, site_id: int | None = None) -> bool:
    """Whether ``user`` may perform ``action`` (at ``site_id`` when given).

    A study-wide role (site NULL) applies to every site.  Roles become usable only after the
    training record and the e-signature attestation exist (21 CFR 11.10(i), 11.100(c)).
    """
    if action == PUBLIC:
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if action == AUTHENTICATED:
        return True
    if not role_usable(user):
        return False
    for grant in active_roles(user):
        if grant.role in PERMISSIONS[action] and (site_id is None or grant.site_id in (None, site_id)):
            return True
    return False


def role_usable(user) -> bool:
    return bool(user.attestation_accepted_at) and bool(user.trainings)


def site_ids_for(user, action: str) -> set[int] | None:
    """Sites where ``user`` may do ``action``; ``None`` means every site (a study-wide role)."""
    sites: set[int] = set()
    if not role_usable(user):
        return sites
    for grant in active_roles(user):
        if grant.role in PERMISSIONS[action]:
            if grant.site_id is None:
                return None
            sites.add(grant.site_id)
    return sites


def role_at(user, site_id: int | None) -> str | None:
    """The user's role at ``site_id`` (a site role wins over a study-wide one)."""
    study_wide = None
    for grant in active_roles(user):
        if grant.site_id == site_id and site_id is not None:
            return grant.role
        if grant.site_id is None:
            study_wide = grant.role
    return study_wide


def roles_of(user) -> Iterable[str]:
    return sorted({grant.role for grant in active_roles(user)})
