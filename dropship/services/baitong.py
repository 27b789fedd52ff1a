"""百通一键替换极速 (the manual: 因百通快递发货失败的问题，而临时加上的功能).

Orders consigned with 百通快递 in a 同步时间 range are re-consigned (修改运单号) with a replacement
courier and number from the dual-logistics provider. Each one is a replacement Shipment, recorded
when the run starts (pending, `original_*` = the 百通 parcel, `job` = the run): the job fills in the
new courier and number and settles it, so the run's result list (成功 / 失败 + reason) is those rows,
and a run that crashed resumes with the rows still pending. On success the 百通 shipment is
`replaced` and the card shows the new parcel with 导入物流单号 = the 百通 one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from peewee import Expression

from dropship.db import db
from dropship.errors import FieldError
from dropship.models import Order, Shipment
from dropship.services.scope import Scope

JOB_KIND = "replace_baitong"
BAITONG_CODE = "BTKD"  # the sandbox's code for 百通 (no public Taobao code found); names are matched too
BAITONG_NAME = "百通"
MAX_DAYS = 31  # one 同步时间 range at most, so a run stays a reviewable size
MAX_ORDERS = 500
REPLACED = "replaced"  # Shipment.state of a parcel another one superseded
TIME_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def is_baitong() -> Expression:
    """A Shipment carrying a 百通 parcel (a platform-read parcel has only the name)."""
    return (Shipment.courier == BAITONG_CODE) | Shipment.courier_name.contains(BAITONG_NAME)


def _time(text: str, field: str, label: str) -> datetime:
    value = (text or "").strip()
    if not value:
        raise FieldError(field, f"请选择{label}")
    for pattern in TIME_FORMATS:
        try:
            return datetime.strptime(value, pattern)
        except ValueError:
            continue
    raise FieldError(field, f"{label}格式不正确，例如 2026-11-20 08:00")


def parse_range(start: str, end: str) -> tuple[datetime, datetime]:
    """同步时间: both ends, the end not before the start, at most MAX_DAYS apart."""
    errors: dict[str, str] = {}
    begin = finish = None
    try:
        begin = _time(start, "synced_from", "同步开始时间")
    except FieldError as exc:
        errors.update(exc.errors)
    try:
        finish = _time(end, "synced_to", "同步结束时间")
    except FieldError as exc:
        errors.update(exc.errors)
    if begin and finish and finish < begin:
        errors["synced_to"] = "同步结束时间不能早于开始时间"
    elif begin and finish and finish - begin > timedelta(days=MAX_DAYS):
        errors["synced_to"] = f"同步时间一次最多选择 {MAX_DAYS} 天"
    if errors:
        raise FieldError.many(errors)
    assert begin is not None and finish is not None
    return begin, finish


def candidates(scope: Scope, begin: datetime, end: datetime) -> list[Shipment]:
    """The 百通 parcels consigned (or read from the shop) in the range, of orders the user may see,
    not yet replaced and with no replacement under way."""
    under_way = Shipment.select(Shipment.original_tracking_number).where(Shipment.state == "pending",
                                                                 Shipment.original_tracking_number != "")
    query = (Shipment.select(Shipment, Order).join(Order)
             .where(Shipment.state == "done", is_baitong(), Shipment.tracking_number != "",
                    Shipment.created_at.between(begin, end), Shipment.tracking_number.not_in(under_way))
             .order_by(Shipment.created_at, Shipment.id))
    return list(scope.apply(query, Order).limit(MAX_ORDERS + 1))


def start_run(scope: Scope, begin: datetime, end: datetime) -> list[int]:
    """Record one pending replacement per 百通 parcel of the range; their ids, for the run's job.

    Nothing is written when there is nothing to replace (FieldError beside the range)."""
    found = candidates(scope, begin, end)
    if not found:
        raise FieldError("synced_from", "该同步时间内没有用百通快递发货的订单")
    if len(found) > MAX_ORDERS:
        raise FieldError("synced_from", f"该同步时间内超过 {MAX_ORDERS} 单，请缩小同步时间范围")
    with db.atomic():
        return [Shipment.create(order=old.order_id, courier="", courier_name="", tracking_number="", oids=old.oids,
                                mode="replace", state="pending", original_courier=old.courier or BAITONG_CODE,
                                original_tracking_number=old.tracking_number).id for old in found]


def pending_replacements(job_id: int, shipment_ids: list[int]) -> list[Shipment]:
    """The run's replacements still to do (all at the start; the rest after a crash), tagged with the
    run so its result list finds them."""
    Shipment.update(job=job_id).where(Shipment.id.in_(shipment_ids), Shipment.mode == "replace").execute()
    return list(Shipment.select(Shipment, Order).join(Order)
                .where(Shipment.job == job_id, Shipment.state == "pending").order_by(Shipment.id))


def set_replacement(shipment: Shipment, courier_code: str, courier_name: str, number: str) -> None:
    """The provider's courier and number, stored before the platform is asked (a resume reuses them)."""
    Shipment.update(courier=courier_code, courier_name=courier_name, tracking_number=number).where(
        Shipment.id == shipment.id).execute()
    shipment.courier, shipment.courier_name, shipment.tracking_number = courier_code, courier_name, number


def settle(shipment: Shipment, error: str = "") -> None:
    """成功: the replacement is the order's parcel and the 百通 one is `replaced`; 失败: the reason."""
    with db.atomic():
        if error:
            Shipment.update(state="failed", error=error[:300]).where(Shipment.id == shipment.id).execute()
            return
        Shipment.update(state="done", error="").where(Shipment.id == shipment.id).execute()
        Shipment.update(state=REPLACED).where(Shipment.order == shipment.order_id, Shipment.state == "done",
                                              Shipment.tracking_number == shipment.original_tracking_number,
                                              Shipment.id != shipment.id).execute()


@dataclass(frozen=True)
class ResultRow:
    tid: str
    original_number: str
    courier_name: str
    tracking_number: str
    state: str  # pending | done | failed
    error: str

    @property
    def label(self) -> str:
        return {"done": "成功", "failed": "失败"}.get(self.state, "处理中")


def results(scope: Scope, job_id: int) -> list[ResultRow]:
    """A run's result list, in the order it works through them (only orders the user may see)."""
    query = (Shipment.select(Shipment, Order).join(Order).where(Shipment.job == job_id, Shipment.mode == "replace")
             .order_by(Shipment.id))
    return [ResultRow(s.order.tid, s.original_tracking_number, s.courier_name, s.tracking_number, s.state, s.error)
            for s in scope.apply(query, Order)]
