"""店铺售后."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("aftersales", __name__, url_prefix="/aftersales")


@bp.get("")
@requires("aftersales")
def index():
    return render_template("aftersales/index.html")
