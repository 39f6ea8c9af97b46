"""Settings per environment.  Every secret and URL comes from the environment, with safe
development defaults; :func:`load_settings` refuses to start production with a default secret or
without a ledger key (issue: production readiness)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEV_SECRET = "development-only-secret-not-for-production"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; the message tells the operator what to set."""


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str
    instance_path: Path
    ledger_key_file: Path
    ledger_origin: str
    checkpoint_every: int
    session_idle_minutes: int
    session_absolute_hours: int
    lockout_threshold: int
    password_min_length: int
    password_history: int
    password_expiry_days: int | None
    totp_issuer: str
    site_timezone: str
    max_request_bytes: int
    secure_cookies: bool
    sqlite_busy_timeout_s: float = 10.0
    extra: dict = field(default_factory=dict)

    def as_flask_config(self) -> dict:
        return {
            "ENV_NAME": self.env,
            "SECRET_KEY": self.secret_key,
            "EDC_DATABASE_URL": self.database_url,
            "EDC_LEDGER_KEY_FILE": str(self.ledger_key_file),
            "EDC_LEDGER_ORIGIN": self.ledger_origin,
            "EDC_CHECKPOINT_EVERY": self.checkpoint_every,
            "EDC_IDLE_MINUTES": self.session_idle_minutes,
            "EDC_ABSOLUTE_HOURS": self.session_absolute_hours,
            "EDC_LOCKOUT_THRESHOLD": self.lockout_threshold,
            "EDC_PASSWORD_MIN_LENGTH": self.password_min_length,
            "EDC_PASSWORD_HISTORY": self.password_history,
            "EDC_PASSWORD_EXPIRY_DAYS": self.password_expiry_days,
            "EDC_TOTP_ISSUER": self.totp_issuer,
            "EDC_SITE_TIMEZONE": self.site_timezone,
            "MAX_CONTENT_LENGTH": self.max_request_bytes,
            "EDC_SQLITE_BUSY_TIMEOUT_S": self.sqlite_busy_timeout_s,
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.secure_cookies,
            "WTF_CSRF_TIME_LIMIT": None,
            **self.extra,
        }


def _int(environ, name: str, default: int | None) -> int | None:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None


def _seconds(environ, name: str, default: float) -> float:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value > 0:
        raise ConfigurationError(f"{name} must be more than 0 seconds, got {raw!r}")
    return value


def instance_path(environ: dict | None = None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("EDC_INSTANCE_PATH", Path.cwd() / "instance")).resolve()


def ledger_key_path(environ: dict | None = None) -> Path:
    """Where the ledger key file is (or will be created), without validating anything else: the
    operator creates the key before production settings can pass."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("EDC_LEDGER_KEY_FILE", instance_path(environ) / "ledger-key.pem"))


def load_settings(environ: dict | None = None) -> Settings:
    """Read settings from the environment (``EDC_*``).

    :raises ConfigurationError: in production with a default secret or a missing ledger key file.
    """
    environ = dict(os.environ if environ is None else environ)
    env = environ.get("EDC_ENV", "development")
    if env not in ("development", "test", "production"):
        raise ConfigurationError(f"EDC_ENV must be development, test or production, got {env!r}")
    instance = instance_path(environ)
    secret = environ.get("EDC_SECRET_KEY", DEV_SECRET)
    key_file = ledger_key_path(environ)
    settings = Settings(
        env=env,
        secret_key=secret,
        database_url=environ.get("EDC_DATABASE_URL", f"sqlite:///{instance / 'edc.sqlite3'}"),
        instance_path=instance,
        ledger_key_file=key_file,
        ledger_origin=environ.get("EDC_LEDGER_ORIGIN", "nk-edc.example/NCT06674265"),
        checkpoint_every=_int(environ, "EDC_CHECKPOINT_EVERY", 500) or 500,
        session_idle_minutes=_int(environ, "EDC_IDLE_MINUTES", 15) or 15,
        session_absolute_hours=_int(environ, "EDC_ABSOLUTE_HOURS", 12) or 12,
        lockout_threshold=_int(environ, "EDC_LOCKOUT_THRESHOLD", 5) or 5,
        password_min_length=_int(environ, "EDC_PASSWORD_MIN_LENGTH", 12) or 12,
        password_history=_int(environ, "EDC_PASSWORD_HISTORY", 5) or 5,
        password_expiry_days=_int(environ, "EDC_PASSWORD_EXPIRY_DAYS", None),
        totp_issuer=environ.get("EDC_TOTP_ISSUER", "NK-EDC NCT06674265"),
        site_timezone=environ.get("EDC_SITE_TIMEZONE", "Asia/Tehran"),
        max_request_bytes=_int(environ, "EDC_MAX_REQUEST_BYTES", 2 * 1024 * 1024) or 2 * 1024 * 1024,
        secure_cookies=env == "production",
        sqlite_busy_timeout_s=_seconds(environ, "EDC_SQLITE_BUSY_TIMEOUT_S", 10.0),
    )
    if env == "production":
        if secret == DEV_SECRET or len(secret) < 32:
            raise ConfigurationError("EDC_SECRET_KEY must be set to a random value of at least 32 characters in production")
        if not key_file.is_file():
            raise ConfigurationError(f"the ledger key file {key_file} is missing: create it with 'edc ledger init-key' and set EDC_LEDGER_KEY_FILE")
        if settings.database_url.startswith("sqlite") and environ.get("EDC_ALLOW_SQLITE_PRODUCTION") != "1":
            raise ConfigurationError("production needs PostgreSQL: set EDC_DATABASE_URL=postgresql+psycopg://...")
    return settings
