"""Issue 8 security points over the web: registration race and LAN setup code, headers and CSP,
the text guard, 修改密码, and signing out from the 403 page."""
from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from dropship.db import db
from dropship.models import Order, Shop, User, UserSession
from dropship.services import auth
from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, csrf, login, make_app, post, register
from tests.orders_factory import make_order, make_shop

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _count(query) -> int:
    with db.connection_context():
        return query.count()


# -- 4. one main account, setup code in LAN mode ----------------------------------------------------

def test_ten_concurrent_registrations_create_exactly_one_main_account(app):
    clients = [app.test_client() for _ in range(10)]
    tokens = [csrf(c, "/register") for c in clients]
    start = threading.Barrier(len(clients))
    results: list = [None] * len(clients)

    def sign_up(i: int) -> None:
        start.wait()
        results[i] = clients[i].post("/register", data={"phone": f"1391234567{i}", "password": MAIN_PASSWORD,
                                                        "confirm": MAIN_PASSWORD},
                                     headers={"X-CSRFToken": tokens[i]})

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _count(User.select().where(User.role == "main")) == 1
    assert sorted(r.status_code for r in results) == [302] + [409] * 9
    losers = [r for r in results if r.status_code != 302]
    assert all(r.status_code == 409 and "主账号已注册" in r.get_data(as_text=True) for r in losers)


@pytest.fixture
def lan_client(tmp_path):
    return make_app(tmp_path / "data", host="0.0.0.0").test_client()


def test_lan_mode_registration_needs_the_setup_code_from_the_console(lan_client):
    page = lan_client.get("/register").get_data(as_text=True)
    assert "安装码" in page and "启动窗口" in page
    form = {"phone": MAIN_PHONE, "password": MAIN_PASSWORD, "confirm": MAIN_PASSWORD}
    for code in ("", "1234-5678-9012"):
        response = post(lan_client, "/register", {**form, "setup_code": code}, token_page="/register")
        assert response.status_code == 403 and "安装码不正确" in response.get_data(as_text=True)
        assert _count(User.select()) == 0
    with db.connection_context():
        code = auth.issue_setup_code()
    response = post(lan_client, "/register", {**form, "setup_code": code}, token_page="/register")
    assert response.status_code == 302 and _count(User.select()) == 1


def test_localhost_registration_needs_no_setup_code(client):
    assert "安装码" not in client.get("/register").get_data(as_text=True)
    assert register(client).status_code == 302


# -- 10. headers ------------------------------------------------------------------------------------

def test_pages_carry_csp_frame_nosniff_and_no_store(signed_in):
    response = signed_in.get("/orders")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'",
                      "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # a self-signed LAN cert must stay skippable
    fragment = signed_in.get("/jobs/panel", headers={"HX-Request": "true"})
    assert fragment.headers["Cache-Control"] == "no-store"
    assert "no-store" not in signed_in.get("/static/css/app.css").headers.get("Cache-Control", "")


INLINE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on* handler"),
    (re.compile(r"\shx-on", re.I), "hx-on handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_templates_have_nothing_the_csp_would_block():
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []
    head = (TEMPLATES / "_layout_head.html").read_text(encoding="utf-8")
    assert '"includeIndicatorStyles":false' in head  # htmx would inject a <style> element otherwise


def test_every_textarea_is_a_known_multiline_field():
    from dropship.web.security import MULTILINE_FIELDS

    names = set()
    for path in TEMPLATES.rglob("*.html"):
        names |= set(re.findall(r'<textarea[^>]*\sname="([^"]+)"', path.read_text(encoding="utf-8")))
    assert names and names <= MULTILINE_FIELDS


# -- 11. the 403 page can sign out ------------------------------------------------------------------

def test_employee_without_permissions_can_sign_out_from_the_403_page(signed_in):
    with db.connection_context():
        owner = User.get(User.role == "main")
        User.create(username=f"{MAIN_PHONE}:01", password_hash=auth.hash_password("staff-pass"), role="employee",
                    owner=owner, permissions=[])
    signed_in.delete_cookie("dd_session")
    assert login(signed_in, f"{MAIN_PHONE}:01", "staff-pass").status_code == 302
    page = signed_in.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 403 and 'action="/logout"' in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = signed_in.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert _count(UserSession.select().join(User).where(User.role == "employee")) == 0


# -- 12. control characters -------------------------------------------------------------------------

@pytest.fixture
def desk(signed_in):
    with db.connection_context():
        shop = make_shop()
        order = make_order(shop, tid="3256650000000000101")
    return {"client": signed_in, "order_id": order.id, "shop_id": shop.id}


BAD = ["\x00", "\x1b[31m", "\u202e", "\u2066", "\x7f"]


@pytest.mark.parametrize("bad", BAD)
def test_control_characters_are_refused_in_shop_add_over_htmx(desk, bad):
    response = post(desk["client"], "/shops", {"platform": "taobao", "login": f"新店{bad}", "password": "pw123456"},
                    token_page="/shops", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert response.headers["HX-Reswap"] == "none"  # the dialog keeps what was typed
    trigger = response.headers["HX-Trigger"]
    assert '"field": "login"' in trigger and "\\u" in trigger  # Chinese message, ASCII-escaped header
    assert _count(Shop.select()) == 1


def test_memo_refuses_bidi_but_keeps_line_breaks(desk):
    client, order_id = desk["client"], desk["order_id"]
    response = post(client, f"/orders/{order_id}/memo", {"memo": "周五发\u202egnp.exe", "flag": "1"},
                    token_page="/orders", headers={"HX-Request": "true"})
    assert response.status_code == 400 and "文字方向控制符" in response.get_data(as_text=True)
    with db.connection_context():
        assert Order.get_by_id(order_id).seller_memo == ""
    response = post(client, f"/orders/{order_id}/memo", {"memo": "第一行\r\n第二行\t备注", "flag": "1"},
                    token_page="/orders", headers={"HX-Request": "true"})
    assert response.status_code == 200
    with db.connection_context():
        assert "第二行" in Order.get_by_id(order_id).seller_memo


def test_mark_note_refuses_nul(desk):
    response = post(desk["client"], "/orders/mark", {"ids": str(desk["order_id"]), "kind": "loss",
                                                     "note": "亏\x00钱"}, token_page="/orders")
    assert response.status_code == 400 and "控制字符（U+0000）" in response.get_data(as_text=True)
    with db.connection_context():
        assert Order.get_by_id(desk["order_id"]).abnormal == ""


def test_single_line_fields_refuse_line_breaks_and_queries_are_checked(desk):
    response = post(desk["client"], "/shops", {"platform": "taobao", "login": "新店\n第二行", "password": "pw123456"},
                    token_page="/shops")
    assert response.status_code == 400 and "只能填写一行" in response.get_data(as_text=True)
    response = desk["client"].get("/orders?q=%E2%80%AEabc")
    assert response.status_code == 400 and "U+202E" in response.get_data(as_text=True)


def test_login_refuses_control_characters_before_counting_a_failure(client):
    register(client)
    client.delete_cookie("dd_session")
    response = login(client, MAIN_PHONE + "\u202e", MAIN_PASSWORD)
    assert response.status_code == 400 and "文字方向控制符" in response.get_data(as_text=True)
    assert "dd_session" not in response.headers.get("Set-Cookie", "")


# -- 13. 修改密码 -------------------------------------------------------------------------------------

def test_change_password_from_the_user_menu_ends_other_sessions_only(app, signed_in):
    other = app.test_client()  # the same user on another PC
    assert login(other).status_code == 302 and other.get("/orders").status_code == 200
    page = signed_in.get("/orders").get_data(as_text=True)
    assert 'href="/password"' in page and "修改密码" in page

    wrong = post(signed_in, "/password", {"current": "not-mine", "password": "new-pass-2", "confirm": "new-pass-2"},
                 token_page="/password")
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    mismatch = post(signed_in, "/password", {"current": MAIN_PASSWORD, "password": "new-pass-2",
                                             "confirm": "new-pass-3"}, token_page="/password")
    assert mismatch.status_code == 400 and "两次输入的密码不一致" in mismatch.get_data(as_text=True)
    assert other.get("/orders").status_code == 200  # refusals end nothing

    done = post(signed_in, "/password", {"current": MAIN_PASSWORD, "password": "new-pass-2",
                                         "confirm": "new-pass-2"}, token_page="/password")
    assert done.status_code == 302
    assert "密码已修改" in signed_in.get(done.headers["Location"]).get_data(as_text=True)
    assert signed_in.get("/orders").status_code == 200  # this browser stays signed in
    assert other.get("/orders").status_code == 302  # the other PC is signed out
    assert _count(UserSession.select()) == 1
    other.delete_cookie("dd_session")
    assert login(other, password=MAIN_PASSWORD).status_code == 401
    assert login(other, password="new-pass-2").status_code == 302


def test_item_thumbnails_may_load_from_the_platforms_picture_hosts_and_the_demo_sandbox(tmp_path):
    csp = make_app(tmp_path / "real").test_client().get("/login").headers["Content-Security-Policy"]
    assert "img-src 'self' *.alicdn.com img.pddpic.com;" in csp + ";"
    demo = make_app(tmp_path / "demo", sandbox=True, sandbox_port=18123).test_client().get("/login")
    assert "http://*.localhost:18123" in demo.headers["Content-Security-Policy"]
