"""Request-level controls: the permission table enforced in one place, session lifetime, and the
security headers (CSP without inline script, no framing, no caching of clinical pages)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user, logout_user

from .permissions import AUTHENTICATED, PUBLIC, user_can

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

EXEMPT_WHEN_FORCED = {"auth.logout", "auth.change_password", "auth.attestation", "static", "health.health"}


def endpoint_action(app: Flask, endpoint: str | None) -> str | None:
    if endpoint is None:
        return None
    view = app.view_functions.get(endpoint)
    return getattr(view, "edc_action", None)


def init_app(app: Flask) -> None:
    @app.before_request
    def enforce_access():
        if request.endpoint is None:
            return None  # 404 / 405 handled by Flask
        if request.endpoint == "static":
            return None
        action = endpoint_action(app, request.endpoint)
        if action is None:
            abort(403)  # fail closed: an endpoint missing from the table is reachable by nobody
        if current_user.is_authenticated:
            expired = _session_expired()
            if expired:
                logout_user()
                session.clear()
                if action != PUBLIC:
                    return redirect(url_for("auth.login", expired=expired))
                return None
            session["last_seen"] = _now().isoformat()
            forced = _forced_step()
            if forced and request.endpoint not in EXEMPT_WHEN_FORCED:
                return redirect(url_for(forced))
        if action == PUBLIC:
            return None
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if action == AUTHENTICATED:
            return None
        if not user_can(current_user, action):
            abort(403)
        return None

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _session_expired() -> str | None:
    """'idle' or 'absolute' when the session outlived its configured limits (11.10(d))."""
    now = _now()
    last_seen = session.get("last_seen")
    started = session.get("login_at")
    if last_seen and now - datetime.fromisoformat(last_seen) > timedelta(minutes=current_app.config["EDC_IDLE_MINUTES"]):
        return "idle"
    if started and now - datetime.fromisoformat(started) > timedelta(hours=current_app.config["EDC_ABSOLUTE_HOURS"]):
        return "absolute"
    return None


def _forced_step() -> str | None:
    user = current_user
    if user.must_change_password or _password_expired(user):
        return "auth.change_password"
    if user.attestation_accepted_at is None and user.trainings:
        return "auth.attestation"
    return None


def _password_expired(user) -> bool:
    days = current_app.config.get("EDC_PASSWORD_EXPIRY_DAYS")
    return bool(days) and _now() - user.password_changed_at > timedelta(days=days)
