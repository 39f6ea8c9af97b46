"""Each role lands on its work."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from ..db import get_session
from ..permissions import AUTHENTICATED, requires
from ..services import worklists

bp = Blueprint("home", __name__)


@bp.get("/")
@requires(AUTHENTICATED)
def index():
    return render_template("home.html", panels=worklists.panels_for(get_session(), current_user))
