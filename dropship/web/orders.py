"""订单管理."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("orders", __name__, url_prefix="/orders")


@bp.get("")
@requires("orders")
def index():
    return render_template("orders/index.html")
