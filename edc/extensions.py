"""Flask extensions: CSRF protection on every POST, and Flask-Login sessions."""
from __future__ import annotations

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.session_protection = "strong"


@login_manager.user_loader
def _load_user(user_id: str):
    from .db import get_session
    from .models import User

    user = get_session().get(User, int(user_id))
    return user if user is not None and user.is_active else None


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    login_manager.init_app(app)
