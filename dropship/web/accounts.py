"""采购账号."""
from __future__ import annotations

from flask import Blueprint, render_template

from dropship.web.access import requires

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


@bp.get("")
@requires("accounts")
def index():
    return render_template("accounts/index.html")
