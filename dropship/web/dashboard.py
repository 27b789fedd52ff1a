"""数据大屏."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@requires("dashboard")
def index():
    return render_template("dashboard/index.html")
