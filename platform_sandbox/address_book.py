"""The 淘宝 address book (收货地址) on member1.taobao.com and its region picker.

Checkout on 淘宝 / 天猫 chooses a saved address by id; a new address is made in the frame
``member1.taobao.com/member/fresh/deliver_address_frame.htm`` that the confirm page opens on
使用新地址 (idx 56717881555). The frame's region picker is modelled on the real
``.cndzk-entrance-division-*`` widget: click ``.cndzk-entrance-division-header-click``, then one
``.cndzk-entrance-division-box-content-tag`` per level (省 → 市 → 区/县 → 街道); only the current
level's tags are shown. Sandbox assumptions (no capture gives the widget's data): province tags
carry short names (浙江, 北京, 广西; the Ultron address data has ``provinceName`` 上海), a
municipality's city level offers one tag 「市辖区」, and the street level starts with 「暂不选择」.
Division codes are this sandbox's own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, g, jsonify, render_template, request

from .auth import buyer_view, token_ok
from .hosts import origin, sandbox_host
from .models import Account, Address
from .people import REGIONS, TOWNS

bp = Blueprint("address_book", __name__)
MEMBER = sandbox_host("member1.taobao.com")
# The frame is same-site with the page that opens it: the sandbox's cookies are SameSite=Lax (http
# cannot carry SameSite=None), so the 天猫 confirm page gets it from buy.tmall.com (assumption).
FRAME_HOSTS = {"buy.taobao.com": "member1.taobao.com", "buy.tmall.com": "buy.tmall.com"}
BOOK_PATH = "/member/fresh/deliver_address.htm"
FRAME_PATH = "/member/fresh/deliver_address_frame.htm"
MUNICIPALITY_CITY = "市辖区"
NO_STREET = "暂不选择"
MAX_ADDRESSES = 20  # the real book's limit
NAME_LIMIT = 25
DETAIL_RANGE = (5, 120)
# 11 digits, or a privacy number with its extension (188xxxx1111-123); the name may carry the
# extension instead, as 「王小明 [拨打后输入分机号123]」 (idx 56717881555).
MOBILE = re.compile(r"1\d{10}(-\d{1,4})?")
_SUFFIXES = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str  # as stored on an address (浙江省, 杭州市, 西湖区, 文新街道)
    label: str  # as the picker's tag shows it
    parent: str  # code of the level above, "" for provinces


def _build() -> dict[str, Division]:
    divisions: dict[str, Division] = {}
    provinces: dict[str, str] = {}
    cities: dict[tuple[str, str], str] = {}
    for province, city, districts, _zip in REGIONS:
        p_code = provinces.setdefault(province, f"{len(provinces) + 11:02d}0000")
        divisions[p_code] = Division(p_code, province, _SUFFIXES.sub("", province), "")
        c_code = cities.setdefault((province, city), f"{p_code[:2]}{sum(k[0] == province for k in cities) + 1:02d}00")
        municipality = city == province
        divisions[c_code] = Division(c_code, city, MUNICIPALITY_CITY if municipality else city, p_code)
        for d_index, district in enumerate(districts, 1):
            d_code = f"{c_code[:4]}{d_index:02d}"
            divisions[d_code] = Division(d_code, district, district, c_code)
            for t_index, town in enumerate(TOWNS, 1):
                t_code = f"{d_code}{t_index:03d}"
                divisions[t_code] = Division(t_code, town, town, d_code)
    return divisions


DIVISIONS = _build()


def children(code: str) -> list[Division]:
    return [d for d in DIVISIONS.values() if d.parent == code]


def tree() -> dict[str, list[dict[str, str]]]:
    """What the picker's script gets: each level's tags by parent code ("" = provinces)."""
    levels: dict[str, list[dict[str, str]]] = {}
    for d in DIVISIONS.values():
        levels.setdefault(d.parent, []).append({"code": d.code, "label": d.label})
    return levels


def path(code: str) -> list[Division]:
    """Province first; [] for an unknown code."""
    chain: list[Division] = []
    while code in DIVISIONS:
        chain.insert(0, DIVISIONS[code])
        code = DIVISIONS[code].parent
    return chain


def division_code(address: Address) -> str:
    """The most precise code of a saved address (its street, or its district when 暂不选择)."""
    wanted = [address.province, address.city, address.district]
    district = next((d for d in DIVISIONS.values() if len(d.code) == 6 and not d.code.endswith("00")
                     and [x.name for x in path(d.code)] == wanted), None)
    if district is None:
        return ""
    street = next((s for s in children(district.code) if s.name == address.town), None)
    return (street or district).code


def validate(form) -> tuple[dict[str, str], dict[str, str]]:
    """The address fields of a posted frame form, or the error of each bad field."""
    values = {key: (form.get(key) or "").strip() for key in ("divisionCode", "addressDetail", "fullName", "mobile")}
    errors: dict[str, str] = {}
    chain = path(values["divisionCode"])
    if len(chain) < 3:
        errors["divisionCode"] = "请选择省市区"
    if not values["addressDetail"]:
        errors["addressDetail"] = "请填写详细地址"
    elif not DETAIL_RANGE[0] <= len(values["addressDetail"]) <= DETAIL_RANGE[1]:
        errors["addressDetail"] = "详细地址长度需要在5-120个字之间"
    if not values["fullName"]:
        errors["fullName"] = "请填写收货人姓名"
    elif len(values["fullName"]) > NAME_LIMIT:
        errors["fullName"] = "收货人姓名不能超过25个字"
    if not values["mobile"]:
        errors["mobile"] = "请填写手机号码"
    elif not MOBILE.fullmatch(values["mobile"]):
        errors["mobile"] = "手机号码格式不正确"
    return values, errors


def save(account: Account, values: dict[str, str]) -> Address:
    """A new address, the default from now on."""
    chain = path(values["divisionCode"])
    province, city, district = (d.name for d in chain[:3])
    town = chain[3].name if len(chain) > 3 else ""
    Address.update(is_default=False).where(Address.account == account).execute()
    return Address.create(account=account, name=values["fullName"], mobile=values["mobile"], province=province,
                          city=city, district=district, town=town, address=values["addressDetail"], is_default=True)


def book(account: Account) -> list[Address]:
    """The account's addresses, default first, then newest first."""
    return list(Address.select().where(Address.account == account)
                .order_by(Address.is_default.desc(), Address.id.desc()))


def own_address(account: Account, address_id: str | None) -> Address | None:
    if not (address_id or "").isdigit():
        return None
    return Address.get_or_none((Address.id == int(address_id)) & (Address.account == account))


def region_text(address: Address) -> str:
    return " ".join(x for x in (address.province, address.city, address.district, address.town) if x)


def address_dict(address: Address) -> dict:
    return {"id": str(address.id), "fullName": address.name, "mobile": address.mobile, "province": address.province,
            "city": address.city, "district": address.district, "town": address.town,
            "addressDetail": address.address, "divisionCode": division_code(address),
            "isDefault": address.is_default}


def frame_origin(checkout_host: str = "buy.taobao.com") -> str:
    """Where the new-address frame of a confirm page (or of the book page) comes from."""
    return origin(FRAME_HOSTS.get(checkout_host, "member1.taobao.com"))


@bp.get(BOOK_PATH, host=MEMBER)
@buyer_view()
def book_page():
    return render_template("address_book.html", addresses=book(g.account), frame=frame_origin() + FRAME_PATH,
                           region_text=region_text)


@buyer_view()
def frame_page():
    return render_template("_address_frame.html", session=g.session, tree=tree(), no_street=NO_STREET,
                           parent_origins=[origin("buy.taobao.com"), origin("buy.tmall.com"), origin("member1.taobao.com")])


@buyer_view(json=True)
def save_address():
    """The frame's 保存: JSON ``{success, addressId}`` or ``{success: false, message, errors{field: text}}``."""
    if not token_ok(request.form.get("_tb_token_")):
        return jsonify({"success": False, "message": "非法请求，请刷新页面后重试", "errors": {}}), 403
    values, errors = validate(request.form)
    if not errors and len(book(g.account)) >= MAX_ADDRESSES:
        errors["form"] = f"最多只能保存{MAX_ADDRESSES}个收货地址"
    if errors:
        return jsonify({"success": False, "message": next(iter(errors.values())), "errors": errors}), 400
    address = save(g.account, values)
    return jsonify({"success": True, "addressId": str(address.id), "address": address_dict(address)})


for _n, _host in enumerate(sorted(set(FRAME_HOSTS.values()))):
    bp.add_url_rule(FRAME_PATH, f"frame_{_n}", frame_page, host=sandbox_host(_host), methods=["GET"])
    bp.add_url_rule("/member/fresh/deliver_address.do", f"save_{_n}", save_address, host=sandbox_host(_host),
                    methods=["POST"])
