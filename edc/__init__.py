"""The NK-cell neuroblastoma EDC (NCT06674265): Flask application factory."""
from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import Any

from flask import Flask

from config.settings import load_settings

BLUEPRINTS = (
    "edc.health.routes",
    "edc.auth.routes",
    "edc.admin.routes",
    "edc.home.routes",
    "edc.subjects.routes",
    "edc.crf.routes",
    "edc.consent.routes",
    "edc.safety.routes",
    "edc.monitor.routes",
    "edc.audit_ui.routes",
    "edc.auditor.routes",
    "edc.exports.routes",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from environment settings, overridden by ``config`` (tests pass theirs)."""
    settings = load_settings()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config.from_mapping(settings.as_flask_config())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from . import db, errors, extensions, security, templating

    db.init_app(app)
    extensions.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    return app

