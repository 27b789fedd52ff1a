"""店铺管理."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("shops", __name__, url_prefix="/shops")


@bp.get("")
@requires("shops")
def index():
    return render_template("shops/index.html")
