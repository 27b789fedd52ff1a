"""地址脱敏导出: when the decrypt quota runs out, the shop exports every receiver with a password
sent by SMS to the shop's phone (client manual, 店铺管理 → 地址脱敏导出).

No capture of this flow exists: the endpoint pair and its fields are sandbox assumptions.
  POST trade.taobao.com/trade/export/send_password.do  (_tb_token_)  -> {success, message}
  POST trade.taobao.com/trade/export/download.do  (_tb_token_, password, format=json|csv)
       -> receivers of every paid, not yet (fully) shipped order
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, g, jsonify, render_template, request

from . import clock, orders, people, sms
from .auth import seller_view, token_ok
from .hosts import sandbox_host
from .models import Order

bp = Blueprint("seller_export", __name__)
TRADE = sandbox_host("trade.taobao.com")
CSV_HEADER = ("订单编号", "收货人", "手机", "省", "市", "区", "街道", "详细地址", "邮编")


def _refusal() -> str:
    if not token_ok(request.form.get("_tb_token_")):
        return "非法请求，请刷新页面后重试"
    if not g.account.can_export:
        return "您没有导出订单的权限，请使用主账号操作"
    return ""


@bp.get("/trade/export/address_export.htm", host=TRADE)
@seller_view()
def export_page():
    return render_template("export.html", session=g.session, shop=g.shop)


@bp.post("/trade/export/send_password.do", host=TRADE)
@seller_view(json=True)
def send_password():
    refusal = _refusal()
    if refusal:
        return jsonify({"success": False, "message": refusal})
    sms.send(g.shop.phone, "export", clock.now(), account=g.account, shop=g.shop)
    return jsonify({"success": True, "message": f"密码已发送至 {people.mask_mobile(g.shop.phone)}"})


@bp.post("/trade/export/download.do", host=TRADE)
@seller_view(json=True)
def download():
    refusal = _refusal()
    if refusal:
        return jsonify({"success": False, "message": refusal})
    if not sms.check(request.form.get("password", ""), "export", clock.now(), shop=g.shop):
        return jsonify({"success": False, "message": "导出密码错误或已过期"})
    rows = [{"tid": o.tid, **orders.receiver_dict(o)}
            for o in Order.select().where((Order.shop == g.shop) & Order.status.in_(orders.UNSHIPPED))
            .order_by(Order.paid_at, Order.tid)]
    if request.form.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_HEADER)
        for r in rows:
            writer.writerow([r["tid"], r["name"], r["mobile"], r["province"], r["city"], r["district"], r["town"],
                             r["address"], r["zip"]])
        # Excel on Windows needs the BOM to read UTF-8.
        return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=receivers.csv"})
    return jsonify({"success": True, "total": len(rows), "rows": rows})
