"""Template helpers: the demo banner, navigation by permission, times in UTC and site time."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user
from sqlalchemy import select

from .db import get_session
from .models import ROLE_LABELS, StudySetting
from .permissions import roles_of, user_can


def is_demo() -> bool:
    return get_session().execute(select(StudySetting.value).where(StudySetting.key == "demo")).scalar_one_or_none() == "yes"


def site_time(value: datetime | str | None, tz: str | None = None) -> str:
    """'2026-11-25 14:03 UTC (17:33 Asia/Tehran)': both clocks, as Part 11 reviewers expect."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    value = value.astimezone(timezone.utc)
    zone = tz or current_app.config["EDC_SITE_TIMEZONE"]
    local = value.astimezone(ZoneInfo(zone))
    return f"{value:%Y-%m-%d %H:%M:%S} UTC ({local:%H:%M} {zone})"


def init_app(app: Flask) -> None:
    app.jinja_env.filters["site_time"] = site_time
    app.jinja_env.globals["role_labels"] = ROLE_LABELS

    @app.context_processor
    def common():
        return {
            "demo": is_demo(),
            "can": lambda action, site_id=None: user_can(current_user, action, site_id),
            "my_roles": roles_of(current_user) if current_user.is_authenticated else [],
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
        }
