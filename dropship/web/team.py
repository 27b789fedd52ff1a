"""账号管理."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.get("")
@requires("main")
def index():
    return render_template("team/index.html")
