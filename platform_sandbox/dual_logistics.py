"""双物流: a provider that issues a replacement tracking number, of a courier the shop backend
accepts, for a parcel a supplier shipped (the manual's 默认使用双物流方式发货 / 百通一键替换).

No provider API is documented (real 双物流 / 换单 services sell numbers to an account with an API
key); the endpoint is a sandbox assumption, invented:
  POST api.shuangwuliu.com/api/waybill/replace  JSON or form {app_key, courier_code, tracking_no}
  -> {success: true, data: {courier_code, courier_name, tracking_no, original: {courier_code, tracking_no}}}
  -> 401 {success: false, message} without a valid app_key (any key of APP_KEY_PREFIX; the sandbox
     keeps no provider accounts);
  -> 400 {success: false, message} when the number is not a supplier's shipment.
The replacement is another courier than the original and the same every time it is asked for.
"""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from . import clock, orders
from .couriers import BY_CODE
from .hosts import sandbox_host
from .models import DualWaybill, Order, Shipment, Shop

bp = Blueprint("dual_logistics", __name__)
PROVIDER = sandbox_host("api.shuangwuliu.com")
REPLACEMENT_COURIERS = ("STO", "ZTO", "YTO", "YUNDA", "JTSD")
APP_KEY_PREFIX = "swl_"  # what the provider's keys look like (invented)


def replacement(courier_code: str, tracking_no: str) -> DualWaybill:
    """The provider's number for a supplier's parcel: issued once, then looked up."""
    issued = DualWaybill.get_or_none((DualWaybill.courier_code == courier_code) & (DualWaybill.tracking_no == tracking_no))
    if issued is not None:
        return issued
    rnd = clock.rng("dual", courier_code, tracking_no)
    code = rnd.choice([c for c in REPLACEMENT_COURIERS if c != courier_code])
    while True:  # numbers never repeat, among replacements or on any shop backend
        number = BY_CODE[code].make_number(rnd)
        if not orders.tracking_used(number) and not DualWaybill.select().where(DualWaybill.new_tracking_no == number).exists():
            break
    return DualWaybill.create(courier_code=courier_code, tracking_no=tracking_no, new_courier_code=code,
                              new_tracking_no=number, created_at=clock.now())


@bp.post("/api/waybill/replace", host=PROVIDER)
def replace():
    values = request.get_json(silent=True) or request.form
    key = str(values.get("app_key", "")).strip()
    if not key.startswith(APP_KEY_PREFIX) or len(key) <= len(APP_KEY_PREFIX):
        return jsonify({"success": False, "message": "app_key 无效，请检查双物流账号"}), 401
    code = str(values.get("courier_code", "")).strip().upper()
    number = str(values.get("tracking_no", "")).strip().upper()
    if not code or not number:
        return jsonify({"success": False, "message": "请填写运单号和快递公司"}), 400
    shipped = (Shipment.select().join(Order).join(Shop)
               .where((Shipment.courier_code == code) & (Shipment.tracking_no == number) & (Shop.kind == "supplier"))
               .exists())
    if not shipped:
        return jsonify({"success": False, "message": "原运单号不存在或快递公司不符"}), 400
    issued = replacement(code, number)
    return jsonify({"success": True, "data": {
        "courier_code": issued.new_courier_code, "courier_name": BY_CODE[issued.new_courier_code].name,
        "tracking_no": issued.new_tracking_no, "original": {"courier_code": code, "tracking_no": number}}})
