"""店铺售后: the disputes list (tabs with counts, colours), 查看 / 同步状态 / 备注 / 移除, 自动售后设置 and
自动售后日志."""
from __future__ import annotations

import json

from flask import Blueprint, abort, g, render_template, request

from dropship.errors import FieldError
from dropship.models import AftersaleLog, Dispute
from dropship.queue import start_unique_job
from dropship.services import aftersales as rules_service
from dropship.services import disputes as service
from dropship.services.jobs import job_target
from dropship.services.money import yuan
from dropship.services.purchasing.labels import PURCHASE_PLATFORMS, PURCHASE_STATUS_LABELS, state_label
from dropship.services.settings import get_setting
from dropship.services.shops import PLATFORMS as SHOP_PLATFORMS
from dropship.web.access import requires
from dropship.web.forms import form as show_form
from dropship.web.paging import paginate
from dropship.web.scoping import current_scope

bp = Blueprint("aftersales", __name__, url_prefix="/aftersales")


def _triggers(*events: str) -> dict[str, str]:
    return {"HX-Trigger": json.dumps(dict.fromkeys(events, True))}


def _dispute_or_404(dispute_id: int) -> Dispute:
    dispute = service.get_visible(dispute_id, current_scope())
    if dispute is None:
        abort(404)
    return dispute


def _row_context() -> dict:
    return {"kinds": service.KIND_LABELS, "statuses": service.STATUS_LABELS, "colour": rules_service.colour,
            "todo": rules_service.todo, "purchase_of": service.purchase_of, "purchase_platforms": PURCHASE_PLATFORMS,
            "purchase_statuses": PURCHASE_STATUS_LABELS, "state_label": state_label, "shop_platforms": SHOP_PLATFORMS}


def _row(dispute: Dispute) -> str:
    """One row again (after 查看 / 备注 / 同步), swapped in place of the old one out of band."""
    dispute = service.get_visible(dispute.id, current_scope()) or dispute
    return render_template("aftersales/_row.html", d=dispute, oob=True, **_row_context())


def _rules_context(settings: rules_service.RuleSettings | None = None) -> dict:
    settings = settings or rules_service.load_rules()
    platforms = {}
    for rule in rules_service.RULES:
        covered = rules_service.automated_platforms(rule)
        platforms[rule] = ("全部采购平台（只在店铺操作）" if covered is None
                           else "、".join(PURCHASE_PLATFORMS[p] for p in covered) or "暂无：采购平台驱动尚不支持上家退款")
    return {"rules": rules_service.RULES, "timed": rules_service.TIMED_RULES, "agree_rules": rules_service.AGREE_RULES,
            "on_key": rules_service.on_key, "minutes_key": rules_service.minutes_key,
            "agree_key": rules_service.agree_key, "cap_key": rules_service.CAP_KEY,
            "max_minutes": rules_service.MAX_MINUTES, "platforms": platforms}


def _rules_values() -> dict:
    values = {key: get_setting(key) for key in rules_service.SETTING_KEYS}
    values[rules_service.CAP_KEY] = yuan(values[rules_service.CAP_KEY])
    return values


@bp.get("")
@requires("aftersales")
def index():
    scope = current_scope()
    tab = request.args.get("tab", "refund_only")
    tab = tab if tab in service.TABS else "refund_only"
    page = paginate(service.listing(scope, tab))
    return render_template("aftersales/index.html", tabs=service.TABS, tab=tab, counts=service.tab_counts(scope),
                           page=page, **_row_context())


@bp.get("/<dbid:dispute_id>")
@requires("aftersales")
def show(dispute_id: int):
    """查看: the case, its log, the link to the shop backend; viewing it turns 红 into 黄."""
    dispute = _dispute_or_404(dispute_id)
    service.mark_viewed(dispute)
    logs = list(dispute.logs.order_by(AftersaleLog.id.desc()).limit(20))
    return (render_template("aftersales/_detail.html", d=dispute, logs=logs, actions=rules_service.ACTIONS,
                            **_row_context()) + _row(dispute))


@bp.post("/<dbid:dispute_id>/sync")
@requires("aftersales.sync")
def sync(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    job = start_unique_job("sync_dispute", f"同步售后状态 · {dispute.tid}", target=job_target("dispute", dispute.id),
                           user=g.user, dispute_id=dispute.id)
    message = "正在同步售后状态，完成后刷新本页查看" if job else "这个售后正在同步中"
    return render_template("aftersales/_message.html", message=message), 200, _triggers("jobs-changed")


@bp.get("/<dbid:dispute_id>/memo")
@requires("aftersales.memo")
def memo_form(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    return show_form("aftersales/_memo_form.html", d=dispute, form={"memo": dispute.memo}, limit=service.MAX_MEMO)


@bp.post("/<dbid:dispute_id>/memo")
@requires("aftersales.memo")
def save_memo(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    form = {"memo": request.form.get("memo", "")}
    try:
        service.save_memo(dispute, form["memo"])
    except FieldError as exc:
        return show_form("aftersales/_memo_form.html", error=exc, d=dispute, form=form, limit=service.MAX_MEMO)
    return _row(dispute), 200, _triggers("close-dialog")


@bp.post("/<dbid:dispute_id>/remove")
@requires("aftersales.remove")
def remove(dispute_id: int):
    dispute = _dispute_or_404(dispute_id)
    service.remove([dispute.id], current_scope())
    return render_template("aftersales/_message.html", message=f"已移除售后（订单 {dispute.tid}）")


@bp.get("/rules")
@requires("aftersales.rules")
def rules_form():
    return show_form("aftersales/_rules_form.html", form=_rules_values(), **_rules_context())


@bp.post("/rules")
@requires("aftersales.rules")
def save_rules():
    form = request.form.to_dict()
    errors = rules_service.save_rules(form, g.user)
    if errors:
        return show_form("aftersales/_rules_form.html", error=errors, form=form, **_rules_context())
    return (show_form("aftersales/_rules_form.html", form=_rules_values(), saved=True, **_rules_context())[0],
            200, _triggers("close-dialog"))


@bp.get("/log")
@requires("aftersales")
def log():
    page = paginate(service.logs(current_scope()))
    return render_template("aftersales/log.html", page=page, rules=rules_service.RULES,
                           actions=rules_service.ACTIONS)
