"""验证中心: parked sliders / SMS codes / QR logins, shown live and answered from any PC of the LAN."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from dropship.platforms.verification import HUB, STATES, BadCommand
from dropship.web.access import requires

bp = Blueprint("verify", __name__, url_prefix="/verify")
KINDS = {"slider": "滑块验证", "sms": "短信验证码", "qr": "扫码登录"}


def _item(item_id: str):
    item = HUB.get(item_id)
    if item is None:
        abort(404, description="该验证已结束或不存在")
    return item


@bp.get("")
@requires("verify")
def index():
    return render_template("verify/index.html", items=HUB.recent(), kinds=KINDS, states=STATES)


@bp.get("/list")
@requires("verify")
def listing():
    return render_template("verify/_list.html", items=HUB.recent(), kinds=KINDS, states=STATES)


def waiting_count() -> int:
    """Verifications waiting for a person: the header badge's number."""
    return len(HUB.waiting())


@bp.get("/badge")
@requires("verify")
def badge():
    return str(waiting_count() or "")


@bp.get("/<item_id>")
@requires("verify")
def show(item_id: str):
    return render_template("verify/show.html", item=_item(item_id), kinds=KINDS, states=STATES)


@bp.get("/<item_id>/status")
@requires("verify")
def status(item_id: str):
    return render_template("verify/_status.html", item=_item(item_id), states=STATES)


@bp.get("/<item_id>/frame.jpg")
@requires("verify")
def frame(item_id: str):
    item = _item(item_id)
    if not item.frame:
        return Response(status=204)
    return Response(item.frame, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})


@bp.post("/<item_id>/input")
@requires("verify")
def relay(item_id: str):
    item = _item(item_id)
    command = request.get_json(silent=True)
    if not isinstance(command, dict):
        abort(400, description="操作格式不正确")
    try:
        sent = HUB.send(item.id, command)
    except BadCommand as exc:
        abort(400, description=f"操作无效：{exc}")
    if not sent:
        abort(409, description="该验证已结束")
    return {"ok": True}


@bp.post("/<item_id>/skip")
@requires("verify")
def skip(item_id: str):
    item = _item(item_id)
    HUB.skip(item.id)
    return render_template("verify/_status.html", item=item, states=STATES)
