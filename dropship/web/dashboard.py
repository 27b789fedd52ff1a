"""数据大屏: a full-screen dark page that polls its data every few seconds (no reload)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from dropship.services.dashboard import dashboard_data
from dropship.web.access import requires
from dropship.web.scoping import current_scope

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
POLL_SECONDS = 5


@bp.get("")
@requires("dashboard")
def index():
    return render_template("dashboard/index.html", data=dashboard_data(current_scope()), poll=POLL_SECONDS)


@bp.get("/data")
@requires("dashboard")
def data():
    return jsonify(dashboard_data(current_scope()))
