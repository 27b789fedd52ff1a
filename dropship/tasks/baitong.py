"""百通一键替换极速: re-consign (修改运单号) each 百通 parcel of a run with the 双物流 provider's replacement.

The run's rows were recorded when it started (services.baitong.start_run); this task works through
those still pending, shop by shop in one backend session each. Per row: the provider's courier and
number (stored first, so a resumed run asks the platform with the same ones), then the shop backend's
修改运单号; the outcome (成功, or 失败 with the provider's or the platform's text) is settled on the row.
Safe to run twice: a settled row is not worked on again.
"""
from __future__ import annotations

from itertools import groupby

from dropship.couriers import courier_name
from dropship.models import Shipment, Shop
from dropship.platforms.base import BadCredentials, LoginRequired, PlatformError, ShopBackend
from dropship.platforms.dual_logistics import replace_waybill
from dropship.queue import job_task, progress
from dropship.services import baitong
from dropship.services.purchase_settings import dual_app_key
from dropship.services.scope import Scope
from dropship.services.shipping import NOT_LOGGED_IN
from dropship.tasks.shop_session import open_shop_backend, origins

NO_KEY = "双物流账号未设置（采购设置 → 发货物流 → 双物流 app_key）"


def _replace(backend: ShopBackend, row: Shipment, key: str) -> None:
    if not row.tracking_number:
        waybill = replace_waybill(origins(), key, row.original_courier, row.original_tracking_number)
        baitong.set_replacement(row, waybill.courier_code, courier_name(waybill.courier_code), waybill.tracking_number)
    backend.modify_consign(row.order.tid, row.original_tracking_number, row.courier, row.tracking_number)


@job_task(baitong.JOB_KIND)
def replace_baitong(job_id: int, shipment_ids: list[int]) -> None:
    rows = baitong.pending_replacements(job_id, shipment_ids)
    total, done = len(shipment_ids), len(shipment_ids) - len(rows)
    key = dual_app_key()
    progress(job_id, done, total, "正在替换百通快递单号…")
    rows.sort(key=lambda row: (row.order.shop_id, row.id))
    for shop_id, group in groupby(rows, key=lambda row: row.order.shop_id):
        todo = list(group)
        try:
            with open_shop_backend(Shop.get_by_id(shop_id)) as backend:
                while todo:
                    row = todo.pop(0)
                    try:
                        if not key:
                            raise PlatformError(NO_KEY)
                        _replace(backend, row, key)
                        baitong.settle(row)
                    except PlatformError as exc:
                        baitong.settle(row, str(exc))
                    done += 1
                    progress(job_id, done, total)
        except (LoginRequired, BadCredentials):
            for row in todo:  # the session ended: the shop's other rows fail with the same reason
                baitong.settle(row, NOT_LOGGED_IN)
                done += 1
            progress(job_id, done, total)
    states = [r.state for r in baitong.results(Scope.everything(), job_id)]
    progress(job_id, done, total, f"替换完成：成功 {states.count('done')} 单，失败 {states.count('failed')} 单")
