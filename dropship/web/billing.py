"""充值中心."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.get("")
@requires("main")
def index():
    return render_template("billing/index.html")
