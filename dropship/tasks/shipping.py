"""发货 jobs: `consign(job_id, shipment_id)` executes one pending Shipment row on the shop backend.

Used by automatic shipping (the purchase-status sync writes the rows, services.shipping) and by 手动发货
(the web writes a manual row and starts `services.shipping.consign_job`). Safe to run twice: only a
pending shipment is worked on, and the order is re-read first, so a consign that went through before a
crash is recognised by its number and not made again.

1. Re-read the order on the shop backend: closed, or every sub-order of the shipment refunded → skipped
   (not shipped); already shipped with our number → done; shipped by someone else → skipped and the
   shop's parcels recorded (never consigned twice).
2. 双物流: a shipment without a number yet gets the provider's replacement for the supplier's parcel.
3. Consign through the seller driver (the JSON flow), then re-read: 已发货 with our number, or it failed.
Failures are specific (services.shipping.classify_failure) and stored on the row; only a transient one
(network, 系统繁忙) hands the job back to the queue with a growing delay.
"""
from __future__ import annotations

from datetime import datetime

from dropship.couriers import courier_name
from dropship.errors import TryLater, UserError
from dropship.models import Order, Shipment, Shop
from dropship.platforms.base import BadCredentials, LoginRequired, PlatformError, RemoteOrder, ShopBackend
from dropship.platforms.dual_logistics import replace_waybill
from dropship.platforms.origins import Origins
from dropship.queue import job_task, progress, start_job
from dropship.services.fetching import upsert_remote_orders
from dropship.services.orders.logistics import record_parcels
from dropship.services.purchase_settings import dual_app_key
from dropship.services.shipping import (
    CONSIGN_JOB,
    NOT_LOGGED_IN,
    NOT_SHIPPED_REFUNDS,
    SHIPPABLE,
    classify_failure,
    consign_job,
    finish,
    retry_delay,
)
from dropship.tasks.shop_session import open_shop_backend, origins

SHIPPED = frozenset({"shipped", "finished"})


def start_consign(shipment: Shipment) -> None:
    """Start the consign job of a pending shipment (one job per shipment)."""
    start_job(**consign_job(shipment))


class Skip(Exception):
    """The order must not be consigned (refunded, closed, shipped by someone else): said in Chinese."""


def _targets(shipment: Shipment, remote: RemoteOrder) -> list[str]:
    """The shipment's sub-orders that may still ship (refunded ones never do)."""
    wanted = list(shipment.oids or [i.oid for i in remote.items])
    refunded = {i.oid for i in remote.items if i.refund_status in NOT_SHIPPED_REFUNDS}
    return [oid for oid in wanted if oid not in refunded]


def _numbers(backend: ShopBackend, tid: str) -> set[str]:
    parcels = backend.order_from_detail(tid).parcels or []
    return {p.tracking_number.strip().upper() for p in parcels if p.tracking_number}


def _read(backend: ShopBackend, tid: str) -> RemoteOrder:
    found = [o for o in backend.get_orders([tid]) if o.tid == tid]
    if not found:
        raise PlatformError(f"订单 {tid} 在店铺后台没有找到")
    return found[0]


def _check_before(backend: ShopBackend, shipment: Shipment, order: Order) -> tuple[RemoteOrder, list[str]]:
    """Step 1. Returns the re-read order and the sub-orders to ship; raises Skip, or finishes as done."""
    remote = _read(backend, order.tid)
    if remote.status == "closed":
        raise Skip("订单已关闭（退款成功或交易关闭），不发货")
    oids = _targets(shipment, remote)
    if not oids:
        raise Skip("子订单已退款或退款中，不发货")
    if remote.status in SHIPPED or remote.status == "partly_shipped":
        detail = backend.order_from_detail(order.tid)
        numbers = {p.tracking_number.strip().upper() for p in detail.parcels or [] if p.tracking_number}
        if shipment.tracking_number and shipment.tracking_number.upper() in numbers:
            return remote, []  # our consign went through before (a crash between consign and record)
        if remote.status in SHIPPED:
            record_parcels(order.id, detail.parcels or [])
            raise Skip("订单已在店铺后台发货（不是本软件发的），没有重复发货")
    if remote.status not in SHIPPABLE:
        raise Skip(f"订单状态为「{remote.status_text or remote.status}」，不能发货")
    return remote, oids


def _replacement(shipment: Shipment, where: Origins) -> None:
    """Step 2 (双物流): the provider's number, stored before consigning so a retry ships the same one."""
    key = dual_app_key()
    if not key:
        raise PlatformError("双物流账号未设置（采购设置 → 发货物流 → 双物流 app_key）")
    waybill = replace_waybill(where, key, shipment.original_courier, shipment.original_tracking_number)
    shipment.courier, shipment.tracking_number = waybill.courier_code, waybill.tracking_number
    shipment.courier_name = courier_name(waybill.courier_code)
    Shipment.update(courier=shipment.courier, tracking_number=shipment.tracking_number,
                    courier_name=shipment.courier_name).where(Shipment.id == shipment.id).execute()


def _consign(backend: ShopBackend, shipment: Shipment, order: Order) -> None:
    remote, oids = _check_before(backend, shipment, order)
    if oids:
        if not shipment.tracking_number:
            _replacement(shipment, origins())
        backend.consign(order.tid, shipment.courier, shipment.tracking_number,
                        None if not shipment.oids else oids)
        if shipment.tracking_number.upper() not in _numbers(backend, order.tid):
            raise PlatformError(f"发货后读回订单：没有看到物流单号 {shipment.tracking_number}")
    upsert_remote_orders(order.shop, [_read(backend, order.tid)])
    finish(shipment.id, "done")


@job_task(CONSIGN_JOB)
def consign(job_id: int, shipment_id: int) -> None:
    """Execute one pending Shipment (see the module docstring)."""
    shipment = Shipment.get_or_none(Shipment.id == shipment_id)
    if shipment is None:
        raise UserError("发货记录不存在或已删除")
    if shipment.state != "pending":
        progress(job_id, 1, 1, "该发货已处理")
        return
    order = Order.select(Order, Shop).join(Shop).where(Order.id == shipment.order_id).first()
    attempts = shipment.attempts + 1
    Shipment.update(attempts=attempts).where(Shipment.id == shipment.id).execute()
    progress(job_id, 0, 1, f"正在发货：订单 {order.tid}…")
    try:
        with open_shop_backend(order.shop) as backend:
            _consign(backend, shipment, order)
    except Skip as exc:
        finish(shipment.id, "skipped", str(exc))
        progress(job_id, 1, 1, str(exc))
        return
    except (LoginRequired, BadCredentials) as exc:
        finish(shipment.id, "failed", NOT_LOGGED_IN)
        raise UserError(f"发货失败：{NOT_LOGGED_IN}") from exc
    except PlatformError as exc:
        failure = classify_failure(str(exc), shipment.courier, shipment.tracking_number)
        delay = retry_delay(attempts) if failure.transient else None
        if delay is not None:
            Shipment.update(error=f"{failure.text}（第 {attempts} 次，稍后重试）"[:300]).where(
                Shipment.id == shipment.id).execute()
            raise TryLater(f"发货暂时失败：{failure.text}，{delay} 秒后重试", delay) from exc
        finish(shipment.id, "failed", failure.text, datetime.now())
        raise UserError(f"发货失败：{failure.text}") from exc
    progress(job_id, 1, 1, f"已发货：{shipment.courier_name or shipment.courier} {shipment.tracking_number}")
