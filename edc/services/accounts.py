"""Accounts, site roles, sites and the security events of logging in (21 CFR 11.10(d),(g),(i),
11.100, 11.300).

Every state change is a verb-named function taking ``session, ledger, actor_user`` (None for the
command line) and the target; it changes the rows and appends the ledger entry in the caller's
transaction, so both commit together or not at all.  No ledger entry ever holds a password, a
TOTP secret or code, a recovery code or a hash of one.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.entry import Actor, RecordRef

from ..models import ROLES, PasswordHistory, RecoveryCode, Site, SiteRole, TrainingRecord, User
from ..permissions import role_at, roles_of
from . import passwords, totp, user_keys
from .ledger import LedgerConfig, append

STUDY_WIDE_ROLES = frozenset({"admin", "data_manager", "auditor"})
SITE_ROLES = frozenset(ROLES) - STUDY_WIDE_ROLES
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
SITE_CODE_PATTERN = re.compile(r"[A-Z0-9]{2,16}")
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

OPERATOR_ACTOR = Actor(user_id=None, name="EDC operator (command line)", role="system")
ANONYMOUS_ACTOR = Actor(user_id=None, name="unauthenticated client", role="anonymous")

ATTESTATION_TEXT = (
    "I certify that the electronic signatures I execute in this system are intended to be the legally "
    "binding equivalent of my traditional handwritten signature (21 CFR 11.100(c))."
)


class AccountError(ValueError):
    """A request the account rules refuse; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def _now() -> datetime:
    return datetime.now(timezone.utc)


def actor_of(user: User | None) -> Actor:
    if user is None:
        return OPERATOR_ACTOR
    role = role_at(user, None) or next(iter(roles_of(user)), None) or "none"
    return Actor(user_id=user.id, name=user.printed_name, role=role)


def _about(user: User, client_address: str | None, **extra: Any) -> dict[str, Any]:
    return {"target_user_id": user.id, "target_username": user.username, "client_address": client_address, **extra}


def _ledger(session, ledger, actor, action, target: User, client_address, *, site: str | None = None, reason=None, **extra):
    return append(
        session,
        ledger,
        actor=actor,
        action=action,
        record=RecordRef(site=site),
        payload=_about(target, client_address, **extra),
        reason=reason,
    )


def username_fingerprint(key: bytes, username: str) -> str:
    """Keyed hash of an attempted username: failures can be correlated without the ledger keeping
    what was typed (users sometimes type their password into the username field)."""
    return hmac.new(key, normalise_username(username).encode(), hashlib.sha256).hexdigest()


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def find_user(session: Session, username: str) -> User | None:
    return session.execute(select(User).where(User.username == normalise_username(username))).scalar_one_or_none()


def password_hashes(session: Session, user: User, limit: int) -> list[str]:
    """The user's password hashes, newest first (the current one included)."""
    rows = session.execute(
        select(PasswordHistory.password_hash)
        .where(PasswordHistory.user_id == user.id)
        .order_by(PasswordHistory.id.desc())
        .limit(limit)
    ).scalars()
    return list(rows)


def _set_password(session: Session, user: User, password: str, now: datetime) -> None:
    user.password_hash = passwords.hash_password(password)
    user.password_changed_at = now
    session.add(PasswordHistory(user_id=user.id, password_hash=user.password_hash, created_at=now))


def _key_fingerprint(public_bytes: bytes) -> str:
    return hashlib.sha256(public_bytes).hexdigest()[:16]


def _issue_signing_key(session, ledger, actor, user: User, password: str, client_address, reason: str) -> None:
    issued = user_keys.issue_key(password)
    user.signing_public_key = issued.public_bytes
    user.signing_private_key_enc = issued.wrapped_key
    _ledger(
        session, ledger, actor, "account.signing_key_issued", user, client_address,
        public_key=base64.b64encode(issued.public_bytes).decode(),
        key_fingerprint=_key_fingerprint(issued.public_bytes),
        reason_issued=reason,
    )


# --- sites -----------------------------------------------------------------------------------------

def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise AccountError(f"'{name}' is not a known time zone (for example Asia/Tehran).", "timezone") from None
    return name


def create_site(session: Session, ledger: LedgerConfig, actor_user: User | None, *, code: str, name: str,
                timezone_name: str, client_address: str | None = None) -> Site:
    """:raises AccountError: for a malformed or already used code, an empty name or an unknown time zone."""
    code = (code or "").strip().upper()
    if not SITE_CODE_PATTERN.fullmatch(code):
        raise AccountError("The site code must be 2 to 16 capital letters or digits.", "code")
    if session.execute(select(Site.id).where(Site.code == code)).first():
        raise AccountError(f"Site code {code} is already used.", "code")
    if not (name or "").strip():
        raise AccountError("Enter the site name.", "name")
    site = Site(code=code, name=name.strip(), timezone=_check_timezone(timezone_name), active=True, created_at=_now())
    session.add(site)
    session.flush()
    append(session, ledger, actor=actor_of(actor_user), action="site.created", record=RecordRef(site=code),
           payload={"site_id": site.id, "code": code, "name": site.name, "timezone": site.timezone,
                    "client_address": client_address})
    return site


def update_site(session: Session, ledger: LedgerConfig, actor_user: User | None, site: Site, *, name: str,
                timezone_name: str, client_address: str | None = None) -> Site:
    """Change a site's name or time zone; the code is permanent (the ledger refers to it).

    :raises AccountError: for an empty name or an unknown time zone.
    """
    if not (name or "").strip():
        raise AccountError("Enter the site name.", "name")
    before = {"name": site.name, "timezone": site.timezone}
    site.name = name.strip()
    site.timezone = _check_timezone(timezone_name)
    after = {"name": site.name, "timezone": site.timezone}
    if before != after:
        append(session, ledger, actor=actor_of(actor_user), action="site.updated", record=RecordRef(site=site.code),
               payload={"site_id": site.id, "before": before, "after": after, "client_address": client_address})
    return site


# --- accounts --------------------------------------------------------------------------------------

def create_user(
    session: Session,
    ledger: LedgerConfig,
    actor_user: User | None,
    *,
    username: str,
    printed_name: str,
    email: str,
    role: str,
    site: Site | None = None,
    password: str | None = None,
    password_policy: passwords.PasswordPolicy | None = None,
    must_change_password: bool = True,
    client_address: str | None = None,
) -> tuple[User, str]:
    """Create an account with its first role and signing key; return it with its initial password.

    Usernames are never reused: a deactivated account keeps its name for ever (11.300(a)).

    :raises AccountError: naming the field at fault.
    """
    username = normalise_username(username)
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError("Usernames are 3 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.", "username")
    if find_user(session, username) is not None:
        raise AccountError(f"The username {username} is already taken (usernames are never reused, even after deactivation).", "username")
    _check_profile(printed_name, email)
    _check_role_site(role, site)
    if password is None:
        password = passwords.generate_temporary_password()
    elif password_policy is not None:
        problems = passwords.policy_problems(password_policy, username, password, [])
        if problems:
            raise AccountError(" ".join(problems), "password")
    now = _now()
    user = User(
        username=username, printed_name=printed_name.strip(), email=email.strip(), password_hash="",
        password_changed_at=now, must_change_password=must_change_password, totp_confirmed=False,
        failed_logins=0, locked=False, active=True, created_at=now,
    )
    session.add(user)
    session.flush()
    _set_password(session, user, password, now)
    actor = actor_of(actor_user)
    _ledger(session, ledger, actor, "account.created", user, client_address,
            printed_name=user.printed_name, email=user.email)
    _issue_signing_key(session, ledger, actor, user, password, client_address, "account created")
    assign_role(session, ledger, actor_user, user, role=role, site=site, client_address=client_address)
    return user, password


def _check_profile(printed_name: str, email: str) -> None:
    if not (printed_name or "").strip():
        raise AccountError("Enter the full printed name (it appears in signature manifestations).", "printed_name")
    if not EMAIL_PATTERN.fullmatch((email or "").strip()):
        raise AccountError("Enter an e-mail address such as name@hospital.org.", "email")


def _check_role_site(role: str, site: Site | None) -> None:
    if role not in ROLES:
        raise AccountError(f"Unknown role {role}.", "role")
    if role in STUDY_WIDE_ROLES and site is not None:
        raise AccountError("Administrators, data managers and auditors are study-wide: leave the site empty.", "site")
    if role in SITE_ROLES and site is None:
        raise AccountError("Investigators, coordinators and monitors work at a site: choose one.", "site")


def update_profile(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
                   printed_name: str, email: str, client_address: str | None = None) -> User:
    """:raises AccountError: for an empty printed name or a malformed e-mail."""
    _check_profile(printed_name, email)
    before = {"printed_name": user.printed_name, "email": user.email}
    user.printed_name = printed_name.strip()
    user.email = email.strip()
    after = {"printed_name": user.printed_name, "email": user.email}
    if before != after:
        _ledger(session, ledger, actor_of(actor_user), "account.profile_updated", user, client_address, before=before, after=after)
    return user


def _refuse_self(actor_user: User | None, user: User, what: str) -> None:
    if actor_user is not None and actor_user.id == user.id:
        raise AccountError(f"You cannot {what} your own account; ask another administrator.")


def deactivate_user(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
                    reason: str | None = None, client_address: str | None = None) -> User:
    """Deactivate (never delete) an account: it can no longer log in; its records and name remain.

    :raises AccountError: when already inactive or when deactivating oneself.
    """
    _refuse_self(actor_user, user, "deactivate")
    if not user.active:
        raise AccountError(f"{user.username} is already deactivated.")
    user.active = False
    _ledger(session, ledger, actor_of(actor_user), "account.deactivated", user, client_address, reason=reason)
    return user


def reactivate_user(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
                    reason: str | None = None, client_address: str | None = None) -> User:
    """:raises AccountError: when the account is already active."""
    if user.active:
        raise AccountError(f"{user.username} is already active.")
    user.active = True
    _ledger(session, ledger, actor_of(actor_user), "account.reactivated", user, client_address, reason=reason)
    return user


def assign_role(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *, role: str,
                site: Site | None, client_address: str | None = None) -> SiteRole:
    """Give ``user`` ``role`` at ``site`` (None: study-wide); one role per site.

    A study-wide role is not combined with site roles, so an administrator can never also hold a
    data-entry role.

    :raises AccountError: for a role/site mismatch or a conflicting grant.
    """
    _check_role_site(role, site)
    site_id = site.id if site else None
    grants = list(session.execute(select(SiteRole).where(SiteRole.user_id == user.id)).scalars())
    active = [g for g in grants if g.active]
    if site_id is None and any(g.site_id is not None for g in active):
        raise AccountError("Revoke the user's site roles before giving a study-wide role.", "role")
    if site_id is not None and any(g.site_id is None for g in active):
        raise AccountError("Revoke the user's study-wide role before giving a site role.", "site")
    existing = next((g for g in grants if g.site_id == site_id), None)
    if site_id is None and existing is None:
        existing = next((g for g in grants if g.site_id is None), None)
    actor = actor_of(actor_user)
    where = site.code if site else None
    if existing is not None and existing.active and existing.role == role:
        raise AccountError(f"{user.username} already has this role here.", "role")
    if existing is not None:
        previous = existing.role if existing.active else None
        existing.role = role
        existing.active = True
        existing.granted_at = _now()
        grant = existing
        action = "account.role_changed" if previous else "account.role_assigned"
        _ledger(session, ledger, actor, action, user, client_address, site=where, role=role, previous_role=previous, site_code=where)
    else:
        grant = SiteRole(user_id=user.id, site_id=site_id, role=role, active=True, granted_at=_now())
        session.add(grant)
        session.flush()
        _ledger(session, ledger, actor, "account.role_assigned", user, client_address, site=where, role=role, previous_role=None, site_code=where)
    session.refresh(user, ["roles"])
    return grant


def revoke_role(session: Session, ledger: LedgerConfig, actor_user: User | None, grant: SiteRole, *,
                client_address: str | None = None) -> SiteRole:
    """:raises AccountError: when already revoked, or an administrator revokes their own admin role."""
    user = grant.user
    if not grant.active:
        raise AccountError("This role is already revoked.")
    if grant.role == "admin":
        _refuse_self(actor_user, user, "revoke the administrator role of")
    grant.active = False
    where = grant.site.code if grant.site else None
    _ledger(session, ledger, actor_of(actor_user), "account.role_revoked", user, client_address, site=where, role=grant.role, site_code=where)
    session.refresh(user, ["roles"])
    return grant


def unlock_user(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
                client_address: str | None = None) -> User:
    """:raises AccountError: when the account is not locked."""
    if not user.locked:
        raise AccountError(f"{user.username} is not locked.")
    user.locked = False
    user.failed_logins = 0
    _ledger(session, ledger, actor_of(actor_user), "account.unlocked", user, client_address)
    return user


def reset_totp(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
               client_address: str | None = None) -> User:
    """Forget the authenticator and the recovery codes; the next login enrols again."""
    user.totp_secret = None
    user.totp_confirmed = False
    user.totp_last_step = None
    now = _now()
    for code in _unused_recovery_codes(session, user):
        code.used_at = now
    _ledger(session, ledger, actor_of(actor_user), "account.totp_reset", user, client_address)
    return user


def reset_password(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *,
                   client_address: str | None = None) -> str:
    """Set a temporary password (shown once, changed at next login) and issue a new signing key:
    the old key stays locked under the old password, which nobody but the user knew."""
    _refuse_self(actor_user, user, "reset the password of")
    temporary = passwords.generate_temporary_password()
    _set_password(session, user, temporary, _now())
    user.must_change_password = True
    actor = actor_of(actor_user)
    _ledger(session, ledger, actor, "account.password_reset", user, client_address)
    _issue_signing_key(session, ledger, actor, user, temporary, client_address, "password reset by an administrator")
    return temporary


def record_training(session: Session, ledger: LedgerConfig, actor_user: User | None, user: User, *, course: str,
                    completed_on: date, notes: str | None = None, client_address: str | None = None) -> TrainingRecord:
    """Record protocol/system training (11.10(i)); from the command line the record names the user
    as recorder and the ledger names the operator.

    :raises AccountError: for an empty course or a date in the future.
    """
    if not (course or "").strip():
        raise AccountError("Enter the course.", "course")
    if completed_on > _now().date():
        raise AccountError("The completion date cannot be in the future.", "completed_on")
    record = TrainingRecord(
        user_id=user.id, course=course.strip(), completed_on=completed_on,
        recorded_by=actor_user.id if actor_user else user.id, recorded_at=_now(), notes=(notes or None),
    )
    session.add(record)
    session.flush()
    session.refresh(user, ["trainings"])
    _ledger(session, ledger, actor_of(actor_user), "account.training_recorded", user, client_address,
            course=record.course, completed_on=completed_on.isoformat(), notes=record.notes)
    return record


def accept_attestation(session: Session, ledger: LedgerConfig, user: User, *, client_address: str | None = None) -> User:
    """The user's one-time statement that their e-signature binds like a handwritten one (11.100(c)).

    :raises AccountError: before training is recorded, or when already accepted.
    """
    if not user.trainings:
        raise AccountError("An administrator must record your training before you can accept the attestation.")
    if user.attestation_accepted_at is not None:
        raise AccountError("You have already accepted the attestation.")
    user.attestation_accepted_at = _now()
    _ledger(session, ledger, actor_of(user), "account.attestation_accepted", user, client_address, statement=ATTESTATION_TEXT)
    return user


def change_password(session: Session, ledger: LedgerConfig, user: User, *, current_password: str, new_password: str,
                    policy: passwords.PasswordPolicy, client_address: str | None = None) -> User:
    """The user's own password change; the signing key is re-wrapped under the new password.

    :raises AccountError: for a wrong current password or a new password the policy refuses.
    """
    if not passwords.verify_password(user.password_hash, current_password):
        raise AccountError("The current password is not correct.", "current_password")
    problems = passwords.policy_problems(policy, user.username, new_password, password_hashes(session, user, policy.history))
    if problems:
        raise AccountError(" ".join(problems), "new_password")
    rewrapped = True
    try:
        user.signing_private_key_enc = user_keys.rewrap_key(user.signing_private_key_enc, current_password, new_password)
    except user_keys.SigningKeyLocked:
        rewrapped = False
    _set_password(session, user, new_password, _now())
    was_forced = user.must_change_password
    user.must_change_password = False
    _ledger(session, ledger, actor_of(user), "account.password_changed", user, client_address,
            forced=was_forced, signing_key_rewrapped=rewrapped)
    if not rewrapped:
        _issue_signing_key(session, ledger, actor_of(user), user, new_password, client_address, "no usable key to re-wrap")
    return user


# --- logging in ------------------------------------------------------------------------------------

def can_log_in(user: User | None) -> bool:
    return user is not None and user.active and not user.locked


def record_authentication_failure(session: Session, ledger: LedgerConfig, user: User | None, *, stage: str,
                                  attempted_fingerprint: str | None, lockout_threshold: int,
                                  client_address: str | None = None) -> None:
    """Count a failure against an active account, lock it at the threshold (until an admin
    unlocks), and ledger the failure without what was typed."""
    payload = {
        "stage": stage,
        "attempted_username_hmac": attempted_fingerprint,
        "target_user_id": user.id if user is not None else None,
        "client_address": client_address,
    }
    actor = actor_of(user) if stage == "reauthentication" and user is not None else ANONYMOUS_ACTOR
    append(session, ledger, actor=actor, action="auth.login_failed" if stage != "reauthentication" else "auth.reauthentication_failed",
           payload=payload)
    if user is None or not user.active or user.locked:
        return
    user.failed_logins = (user.failed_logins or 0) + 1
    if user.failed_logins >= lockout_threshold:
        user.locked = True
        _ledger(session, ledger, ANONYMOUS_ACTOR if stage != "reauthentication" else actor, "account.locked", user,
                client_address, consecutive_failures=user.failed_logins)


def verify_login_password(session: Session, ledger: LedgerConfig, username: str, password: str, *,
                          fingerprint_key: bytes, lockout_threshold: int, client_address: str | None = None) -> User | None:
    """Step 1 of login: the account when it may log in and the password matches, else None (the
    failure is recorded; the caller shows one generic message whatever the reason)."""
    user = find_user(session, username)
    if user is None:
        passwords.spend_verification_time(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password) and can_log_in(user)
    if ok:
        return user
    record_authentication_failure(session, ledger, user, stage="password",
                                  attempted_fingerprint=username_fingerprint(fingerprint_key, username),
                                  lockout_threshold=lockout_threshold, client_address=client_address)
    return None


def _unused_recovery_codes(session: Session, user: User) -> list[RecoveryCode]:
    return list(session.execute(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)).order_by(RecoveryCode.id)
    ).scalars())


def accept_totp_code(user: User, code: str, now: datetime) -> bool:
    """Accept a fresh code (never one already used) and remember its time-step."""
    step = totp.accepted_step(user.totp_secret or "", code, user.totp_last_step, now)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def verify_second_factor(session: Session, ledger: LedgerConfig, user: User, code: str, *, lockout_threshold: int,
                         client_address: str | None = None, now: datetime | None = None) -> str | None:
    """Step 2 of login: 'totp' or 'recovery_code' when accepted, else None (failure recorded)."""
    now = now or _now()
    if can_log_in(user) and user.totp_confirmed:
        if totp.looks_like_totp(code):
            if accept_totp_code(user, code, now):
                return "totp"
        elif _use_recovery_code(session, ledger, user, code, now, client_address):
            return "recovery_code"
    record_authentication_failure(session, ledger, user, stage="second_factor", attempted_fingerprint=None,
                                  lockout_threshold=lockout_threshold, client_address=client_address)
    return None


def _use_recovery_code(session, ledger, user: User, code: str, now: datetime, client_address) -> bool:
    cleaned = totp.normalise_code(code)
    unused = _unused_recovery_codes(session, user)
    for row in unused:
        if passwords.verify_password(row.code_hash, cleaned):
            row.used_at = now
            _ledger(session, ledger, actor_of(user), "auth.recovery_code_used", user, client_address,
                    recovery_codes_left=len(unused) - 1)
            return True
    return False


def start_totp_enrolment(session: Session, ledger: LedgerConfig, user: User, *, client_address: str | None = None) -> str:
    """The secret to enrol (created once; reloading the page shows the same one)."""
    if user.totp_confirmed:
        raise AccountError("The authenticator is already enrolled.")
    if not user.totp_secret:
        user.totp_secret = totp.new_secret()
        user.totp_last_step = None
        _ledger(session, ledger, actor_of(user), "account.totp_enrolment_started", user, client_address)
    return user.totp_secret


def confirm_totp_enrolment(session: Session, ledger: LedgerConfig, user: User, code: str, *, lockout_threshold: int,
                           client_address: str | None = None, now: datetime | None = None) -> list[str] | None:
    """Confirm the authenticator with a valid code; return ten new recovery codes (stored hashed,
    shown once), or None when the code is refused (counted as a failed login)."""
    now = now or _now()
    if can_log_in(user) and user.totp_secret and not user.totp_confirmed and accept_totp_code(user, code, now):
        user.totp_confirmed = True
        for old in _unused_recovery_codes(session, user):
            old.used_at = now
        codes = totp.new_recovery_codes()
        for plain in codes:
            session.add(RecoveryCode(user_id=user.id, code_hash=passwords.hash_password(totp.normalise_code(plain))))
        _ledger(session, ledger, actor_of(user), "account.totp_enrolled", user, client_address, recovery_codes_issued=len(codes))
        return codes
    record_authentication_failure(session, ledger, user, stage="totp_enrolment", attempted_fingerprint=None,
                                  lockout_threshold=lockout_threshold, client_address=client_address)
    return None


def record_login(session: Session, ledger: LedgerConfig, user: User, *, method: str, client_address: str | None = None) -> User:
    user.failed_logins = 0
    user.last_login_at = _now()
    _ledger(session, ledger, actor_of(user), "auth.login_succeeded", user, client_address, second_factor=method)
    return user


def record_logout(session: Session, ledger: LedgerConfig, user: User, *, reason: str = "user",
                  client_address: str | None = None) -> None:
    _ledger(session, ledger, actor_of(user), "auth.logout", user, client_address, cause=reason)


def recovery_codes_left(session: Session, user: User) -> int:
    return session.execute(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).scalar_one()
