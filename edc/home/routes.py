"""Each role lands on its work."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from ..db import get_session
from ..permissions import AUTHENTICATED, requires
from ..services import worklists
from ..services.verification_runs import RUNS_FOLDER, RunStore

bp = Blueprint("home", __name__)


@bp.get("/")
@requires(AUTHENTICATED)
def index():
    runs = RunStore(Path(current_app.instance_path) / RUNS_FOLDER).recent(1)
    panels = worklists.panels_for(get_session(), current_user, latest_run=runs[0] if runs else None)
    return render_template("home.html", panels=panels)
