"""Ids and numbers from outside: one converter for path ids, one helper for form id lists, bounded 验证中心
input, and a fuzz walk over every route that finds no 5xx. Platform URLs become links only if http(s)."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropship import queue
from dropship.db import db
from dropship.models import Job, OrderItem
from dropship.platforms.verification import HUB
from dropship.web.inputs import MAX_DB_ID, parse_db_id
from tests.helpers import csrf, make_app, post, register
from tests.orders_factory import make_order, make_shop

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HUGE = [str(2**63), str(2**64), str(10**40), "9" * 400]


@pytest.mark.parametrize("text,value", [
    ("1", 1), (str(MAX_DB_ID), MAX_DB_ID), (str(2**63), None), ("0", None), ("-1", None), ("", None),
    ("١٢", None), (" 1", None), ("1_0", None), ("+1", None), ("9" * 400, None),
])
def test_parse_db_id_takes_what_the_database_can_hold(text, value):
    assert parse_db_id(text) == value


@pytest.fixture
def seeded(signed_in):
    with db.connection_context():
        shop = make_shop("好物小店")
        order = make_order(shop)
    return {"client": signed_in, "shop": shop, "order": order}


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize("path", ["/orders/{}/memo", "/orders/{}/address", "/orders/{}/memo-state",
                                  "/orders/export/{}.xlsx", "/jobs/{}", "/shops/{}/edit"])
def test_huge_path_ids_are_404(seeded, path, huge):
    assert seeded["client"].get(path.format(huge)).status_code == 404


@pytest.mark.parametrize("huge", HUGE)
@pytest.mark.parametrize("path", ["/orders/{}/sync", "/orders/{}/memo", "/shops/{}/authorize", "/shops/{}",
                                  "/jobs/{}/retry"])
def test_huge_path_ids_in_posts_are_404(seeded, path, huge):
    assert post(seeded["client"], path.format(huge), token_page="/orders").status_code == 404


@pytest.mark.parametrize("path,field,data", [
    ("/shops/delete", "shop_ids", {}), ("/shops/fetch/start", "shop_ids", {"days": "3"}),
    ("/shops/fetch/pause", "shop_ids", {}), ("/orders/ignore", "ids", {}),
    ("/orders/mark", "ids", {"kind": "loss"}), ("/orders/batch-sync", "ids", {"tab": "all", "days": "7"}),
    ("/orders/batch-sync", "shops", {"tab": "all", "days": "7"}),
])
def test_huge_form_ids_are_400_with_a_chinese_message(seeded, path, field, data):
    response = post(seeded["client"], path, {**data, field: ["1", str(2**64)]}, token_page="/orders",
                    headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "选择无效" in response.get_data(as_text=True)


def test_a_form_id_that_is_not_a_number_changes_nothing(seeded):
    order = seeded["order"]
    response = post(seeded["client"], "/orders/ignore", {"ids": [str(order.id), "abc"]}, token_page="/orders")
    assert response.status_code == 400 and "订单选择无效" in response.get_data(as_text=True)
    with db.connection_context():
        assert not type(order).get_by_id(order.id).ignored


@pytest.mark.parametrize("command", [
    {"type": "click", "x": 10**40, "y": 1}, {"type": "click", "x": 10**400, "y": 1},
    {"type": "click", "x": True, "y": 1}, {"type": "click", "x": "1e400", "y": 1},
    {"type": "drag", "points": [[1, 2, 10**400], [3, 4, 5]]},
])
def test_verification_input_refuses_numbers_out_of_bounds(signed_in, command):
    item = HUB.open("slider", "店铺 A", "shop-1", timeout=60)
    try:
        response = signed_in.post(f"/verify/{item.id}/input", json=command,
                                  headers={"X-CSRFToken": csrf(signed_in, "/verify")})
        assert response.status_code == 400 and "操作无效" in response.get_data(as_text=True)
        assert HUB.take(item, 0) is None
    finally:
        HUB.close(item, "skipped")


# -- platform URLs as links ---------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(document.cookie)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                 "data:text/html,<script>alert(1)</script>", "vbscript:x"])
def test_a_non_http_platform_url_is_never_a_link(seeded, url):
    with db.connection_context():
        OrderItem.update(item_url=url, pic=url).where(OrderItem.order == seeded["order"].id).execute()
    html = seeded["client"].get("/orders").get_data(as_text=True)
    assert "script:" not in html.lower() and "data:text" not in html
    assert 'class="pic-empty"' in html


def test_an_http_platform_url_is_a_link(seeded):
    with db.connection_context():
        OrderItem.update(item_url="//item.taobao.com/item.htm?id=6001", pic="https://img.alicdn.com/a.jpg").where(
            OrderItem.order == seeded["order"].id).execute()
    html = seeded["client"].get("/orders").get_data(as_text=True)
    assert 'href="//item.taobao.com/item.htm?id=6001"' in html and 'src="https://img.alicdn.com/a.jpg"' in html


# -- fuzz: every route, GET and POST, as the main account ------------------------------------------------

@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    """One signed-in app for every example; jobs are recorded but not run (they are not the web layer)."""
    app = make_app(tmp_path_factory.mktemp("fuzz") / "data")
    client = app.test_client()
    assert register(client).status_code == 302
    with db.connection_context():
        shop = make_shop("好物小店")
        make_order(shop)
        Job.create(kind="browser_check", title="浏览器检测", state="failed", error="x")
    item = HUB.open("slider", "店铺 A", "shop-1", timeout=3600)
    names = set(re.findall(r'name="(\w+)"', " ".join(p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.html"))))
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("static", "auth.logout")]
    for rule in rules:  # names built by macros show up in the rendered pages
        if not rule.arguments and "GET" in rule.methods:
            names |= set(re.findall(r'name="(\w+)"', client.get(rule.rule).get_data(as_text=True)))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queue, "_enqueue", lambda job: None)
        yield {"client": client, "token": csrf(client, "/orders"), "rules": rules, "names": sorted(names),
               "item": item.id}
    HUB.close(item, "skipped")


_SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUES = st.one_of(
    st.sampled_from(HUGE + [str(MAX_DB_ID), "-1", str(-(2**63) - 1), "0", "1", "2", "1e3", "0x10", "١٢", "NaN",
                            "inf", " 1", "+1", "", "custom", "%00", "../..", "2026-11-20 08:00"]),
    st.integers().map(str),
    _SAFE_TEXT,
)


def _request(fuzz, rule, method: str, args: dict[str, str], fields: dict, htmx: bool):
    path = rule.rule
    for name, value in args.items():
        path = re.sub(rf"<[^>]*\b{name}>", quote(value, safe="") or "x", path)
    headers = {"X-CSRFToken": fuzz["token"], **({"HX-Request": "true"} if htmx else {})}
    if method == "GET":
        response = fuzz["client"].get(path, query_string=fields, headers=headers)
    else:
        response = fuzz["client"].post(path, data=fields, headers=headers)
    if not rule.endpoint.startswith("auth."):  # /register and /login send a signed-in user on
        assert response.status_code not in (302, 401) or "/login" not in response.headers.get(
            "Location", response.headers.get("HX-Redirect", "")), "the fuzz signed itself out"
    return response.status_code


def _methods(rule) -> list[str]:
    return sorted({"GET", "POST"} & rule.methods)


def test_every_route_and_form_with_huge_negative_and_garbage_ids_gives_no_5xx(fuzz):
    """The sweep: every route and method, every path id and every form field the pages know, at once."""
    failures = []
    for value in (str(2**64), str(2**63), "-1", "abc", "1e400"):
        for rule in fuzz["rules"]:
            for method in _methods(rule):
                fields = {name: [value, "1"] for name in fuzz["names"]}
                status = _request(fuzz, rule, method, dict.fromkeys(rule.arguments, value), fields, htmx=True)
                if status >= 500:
                    failures.append((method, rule.rule, value, status))
    assert failures == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_every_route_and_form_gives_no_5xx(fuzz, data):
    """Random mixes the sweep does not try: some fields set, others missing, odd text, valid ids."""
    rule = data.draw(st.sampled_from(fuzz["rules"]), label="rule")
    method = data.draw(st.sampled_from(_methods(rule) or ["GET"]), label="method")
    args = {name: fuzz["item"] if name == "item_id" and data.draw(st.booleans()) else data.draw(VALUES, label=name)
            for name in rule.arguments}
    fields = data.draw(st.dictionaries(st.sampled_from(fuzz["names"]), st.lists(VALUES, min_size=1, max_size=3),
                                       max_size=5), label="fields")
    status = _request(fuzz, rule, method, args, fields, htmx=data.draw(st.booleans()))
    assert status < 500, (method, rule.rule, args, fields, status)


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400),
              st.floats(allow_nan=False), _SAFE_TEXT, st.sampled_from(["click", "drag", "text", "key", "skip"])),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["type", "x", "y", "points", "text", "key"]), inner, max_size=5),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(command=JSON)
def test_fuzz_verification_input_gives_no_5xx(fuzz, command):
    response = fuzz["client"].post(f"/verify/{fuzz['item']}/input", json=command,
                                   headers={"X-CSRFToken": fuzz["token"]})
    assert response.status_code in (200, 400), (command, response.status_code)
