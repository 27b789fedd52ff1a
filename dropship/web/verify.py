"""验证中心."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("verify", __name__, url_prefix="/verify")


@bp.get("")
@requires("verify")
def index():
    return render_template("verify/index.html")


@bp.get("/badge")
@requires("verify")
def badge():
    return ""
