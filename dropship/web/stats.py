"""利润统计."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.get("")
@requires("stats")
def index():
    return render_template("stats/index.html")
