"""充值中心: every shop's 服务状态 / 点数 / 截止日期, and 充值卡充值 (tick shops, paste 卡密, live recognition,
确定充值). Main account only. The card rules are services/billing's; this module only shows them."""
from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import Blueprint, current_app, g, render_template, request

from dropship.errors import FieldError, UserError
from dropship.models import Shop
from dropship.services import billing
from dropship.services.shops import PLATFORMS, active_shops
from dropship.web.access import requires
from dropship.web.forms import form as show_form
from dropship.web.inputs import form_ids
from dropship.web.paging import paginate
from dropship.web.scoping import current_scope

bp = Blueprint("billing", __name__, url_prefix="/billing")
MAX_KEYS_TEXT = billing.MAX_LINES * (billing.MAX_LINE + 2)


def public_key() -> Ed25519PublicKey:
    """The key card keys are checked with: the vendor's, unless the app was made with another (tests)."""
    return billing.load_public_key(current_app.config.get("CARD_PUBLIC_KEY") or billing.VENDOR_PUBLIC_KEY)


def _context() -> dict:
    return {"platforms": PLATFORMS, "expired_reason": billing.expired_reason, "service_until": billing.service_until}


def _ticked() -> list[Shop]:
    ids = form_ids("shop_ids", "店铺", 500)
    return list(active_shops(current_scope()).where(Shop.id.in_(ids)).order_by(Shop.id)) if ids else []


def _keys_text() -> str:
    return request.form.get("keys", "")[:MAX_KEYS_TEXT]


def _recognised(shops: list[Shop], text: str) -> tuple[billing.Recognition, FieldError | None]:
    try:
        return billing.check_batch(text, len(shops), public_key()), None
    except FieldError as exc:
        return billing.Recognition(len(shops)), exc


def _dialog(shops: list[Shop], text: str = "", error: FieldError | None = None, status: int | None = None):
    batch, refused = _recognised(shops, text)
    return show_form("billing/_recharge_form.html", error=error or refused, status=status, shops=shops, keys=text,
                     batch=batch, pairs=billing.assign(shops, batch))


@bp.get("")
@requires("main")
def index():
    page = paginate(active_shops(current_scope()).order_by(Shop.id))
    return render_template("billing/index.html", page=page, **_context())


@bp.get("/recharge")
@requires("main")
def recharge_form():
    """充值卡充值's dialog for the ticked shops (需要N个卡密: one per shop)."""
    shops = _ticked()
    if not shops:
        return _dialog([], error=FieldError("shop_ids", "请先勾选要充值的店铺"))
    return _dialog(shops)


@bp.post("/recognise")
@requires("main")
def recognise():
    """The live recognition beside the pasted keys (htmx, as the person types or pastes)."""
    shops = _ticked()
    batch, error = _recognised(shops, _keys_text())
    return show_form("billing/_recognition.html", error=error, shops=shops, batch=batch, alone=True,
                     pairs=billing.assign(shops, batch))


@bp.post("/redeem")
@requires("main")
def redeem():
    """确定充值: every ticked shop gets its key's days at once, or nothing changes."""
    shops = _ticked()
    text = _keys_text()
    try:
        batch = billing.redeem(shops, text, public_key(), g.user)
    except FieldError as exc:
        return _dialog(shops, text, error=exc)
    except UserError as exc:
        return _dialog(shops, text, error=FieldError("keys", str(exc)), status=409)
    page = paginate(active_shops(current_scope()).order_by(Shop.id))
    days = "、".join(f"{shop.display_name} +{card.days}天" for shop, card in billing.assign(shops, batch))
    html = render_template("billing/_table.html", page=page, message=f"充值成功：{days}", **_context())
    return html, 200, {"HX-Retarget": "#billing-table", "HX-Reswap": "outerHTML", "HX-Trigger": "close-dialog"}
