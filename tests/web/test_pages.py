"""Every menu page renders with its title and real (empty) table; no page shows a control that does
nothing; the jobs panel polls only while work runs."""
import re
from urllib.parse import urlsplit

import lxml.html
import pytest
from jinja2 import nodes
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from dropship import ROOT
from dropship.db import db
from dropship.models import Job
from dropship.platforms.verification import Hub
from dropship.web import verify
from tests.helpers import csrf, post, register
from tests.orders_factory import make_dispute, make_order, make_shop

PAGES = [
    ("/orders", "订单管理", ["全部订单", "待采购", "即将发货超时"]),
    ("/shops", "店铺管理", ["新增店铺", "今日获取新订单", "截止日期"]),
    ("/accounts", "采购账号", ["淘宝账号", "拼多多", "批量导入账号"]),
    ("/aftersales", "店铺售后", ["仅退款", "退货退款", "自动售后设置"]),
    ("/stats", "利润统计", ["日报表", "月报表"]),
    ("/dashboard", "数据大屏", ["今日订单"]),
    ("/team", "账号管理", ["新增员工账号", "授权采购号"]),
    ("/settings/browser", "设置", ["浏览器检测"]),
    ("/billing", "充值中心", ["充值卡充值"]),
    ("/verify", "验证中心", ["平台账号", "验证类型"]),
]


@pytest.mark.parametrize("path,title,texts", PAGES)
def test_menu_pages_render(signed_in, path, title, texts):
    response = signed_in.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in html
    for text in texts:
        assert text in html


def test_jobs_panel_polls_fast_while_running_and_slowly_when_idle(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="running", done=1, total=3)
    html = signed_in.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s, jobs-changed from:body"' in html
    assert f'id="job-{job.id}"' in html and "33%" in html
    with db.connection_context():
        Job.update(state="done", done=3).where(Job.id == job.id).execute()
    html = signed_in.get("/jobs/panel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 5s, jobs-changed from:body"' in html and "100%" in html


def test_failed_job_shows_error_and_retry(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="failed", error="没有找到可用的浏览器")
    html = signed_in.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "没有找到可用的浏览器" in html and "重试" in html
    response = post(signed_in, f"/jobs/{job.id}/retry", token_page="/orders")
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "jobs-changed"
    with db.connection_context():
        assert Job.select().where(Job.kind == "browser_check").count() == 2


def test_retry_refuses_jobs_that_did_not_fail(signed_in):
    with db.connection_context():
        job = Job.create(kind="browser_check", title="浏览器检测", state="done")
    assert post(signed_in, f"/jobs/{job.id}/retry", token_page="/orders").status_code == 400


def test_browser_setting_rejects_a_missing_path(signed_in):
    response = post(signed_in, "/settings/browser", {"path": "/no/such/chromium"}, token_page="/orders")
    assert response.status_code == 400
    assert "该路径下没有找到浏览器程序" in response.get_data(as_text=True)
    page = signed_in.get("/settings/browser").get_data(as_text=True)
    assert 'value="/no/such/chromium"' not in page


# ---- 即将开放: no control pretends to work ------------------------------------------------------------

# The hooks static/js/ gives behaviour to, and the code that proves it does (checked below, so this list
# cannot outlive the JavaScript).
JS_HOOKS = {"data-open": "[data-open]", "data-close": "[data-close]", "data-key": "[data-key]",
            "data-command": "[data-command]",
            "data-check-all": "[data-check-all]", "data-per-page": 'hasAttribute("data-per-page")',
            "data-shows": "dataset.shows", "data-copy": "[data-copy]"}
JS_IDS = {"verify-send": 'getElementById("verify-send")', "verify-text": 'getElementById("verify-text")'}
HX_VERBS = ("get", "post", "put", "patch", "delete")


def test_the_known_js_hooks_exist_in_static_js():
    source = "\n".join(path.read_text() for path in (ROOT / "static" / "js").glob("*.js"))
    for code in [*JS_HOOKS.values(), *JS_IDS.values(), "[data-keep-ticks]"]:
        assert code in source


class Page:
    """One rendered page, read as a browser would: what each control would do when used."""

    def __init__(self, app, html: str, url: str):
        self.url = url
        self.doc = lxml.html.fromstring(html)
        self.routes = app.url_map.bind("localhost")
        self.ids = set(self.doc.xpath("//@id"))
        self.includes = [sel for value in self.doc.xpath("//@hx-include") for sel in value.split(",")]

    def is_route(self, url: str, method: str) -> bool:
        if url.startswith(("?", "http://", "https://")) or not url:
            return url.startswith("?")  # ?page=2 is this page again
        try:
            self.routes.match(urlsplit(url).path, method=method)
        except (HTTPException, RequestRedirect):
            return False
        return True

    def acts(self, el) -> bool:
        """htmx asks a real route, or a known script or an inline handler owns it."""
        for verb in HX_VERBS:
            if el.get(f"hx-{verb}") is not None:
                return self.is_route(el.get(f"hx-{verb}"), verb.upper())
        if el.get("data-open") is not None:
            return el.get("data-open") in self.ids
        return (any(el.get(attr) is not None for attr in JS_HOOKS) or el.get("id") in JS_IDS
                or el.get("onclick") is not None or el.get("onchange") is not None)

    def form_sends(self, form) -> bool:
        if form is None:
            return False
        for verb in ("get", "post"):
            if form.get(f"hx-{verb}") is not None:
                return self.is_route(form.get(f"hx-{verb}"), verb.upper())
        if form.get("action") is not None or form.get("method") is not None:  # no action: this page's URL
            return self.is_route(form.get("action") or self.url, form.get("method", "get").upper())
        return form.get("id") is not None and f"#{form.get('id')}" in [sel.strip() for sel in self.includes]

    def included(self, el) -> bool:
        """A control that some element's hx-include sends along (selectors: #id, .class, [name=x])."""
        for selector in self.includes:
            simple = re.fullmatch(r"\s*(#[\w-]+|\.[\w-]+|\[name=[\w-]+\])(:checked)?\s*", selector)
            assert simple, f"test cannot read hx-include selector {selector!r}: teach Page.included"
            part = simple.group(1)
            if ((part.startswith("#") and el.get("id") == part[1:])
                    or (part.startswith(".") and part[1:] in (el.get("class") or "").split())
                    or (part.startswith("[") and el.get("name") == part[6:-1])):
                return True
        return False

    def idle_controls(self) -> list[str]:
        """Enabled controls that would do nothing; disabled buttons must say why (title)."""
        idle = []
        for el in self.doc.iter("button"):
            text = el.text_content().strip()
            if el.get("disabled") is not None:
                if not el.get("title"):
                    idle.append(f"disabled button without a reason: {text}")
            elif not (self.acts(el) or (el.get("type", "submit") == "submit" and self.form_sends(self._form(el)))):
                idle.append(f"button: {text}")
        for el in self.doc.xpath("//input[not(@type='hidden')] | //select | //textarea"):
            if el.get("disabled") is None and not (self.acts(el) or self.form_sends(self._form(el))
                                                   or self.included(el)):
                idle.append(f"{el.tag} {el.get('name') or el.get('id')}")
        for el in self.doc.iter("a"):
            href = el.get("href")
            if href is None or href == "#" or href.startswith("javascript:"):
                if not self.acts(el):
                    idle.append(f"link: {el.text_content().strip()}")
            elif not href.startswith(("http://", "https://")) and not self.is_route(href, "GET"):
                idle.append(f"link to no route: {href}")
        return idle

    def _form(self, el):
        owner = el.get("form")
        if owner:
            found = self.doc.xpath(f"//form[@id='{owner}']")
            return found[0] if found else None
        return next(el.iterancestors("form"), None)


@pytest.fixture
def parked(monkeypatch):
    """One slider waiting in a 验证中心 of its own (the process-wide hub stays untouched)."""
    hub = Hub()
    monkeypatch.setattr(verify, "HUB", hub)
    return hub.open("slider", "淘宝 好物小店", "shop:1", timeout=60)


@pytest.fixture
def full_desk(signed_in, parked):
    """Rows in every list, so row buttons and dialog forms are rendered too."""
    with db.connection_context():
        shop = make_shop("好物小店")
        make_shop("未登录小店", login_state="expired")
        order = make_order(shop)
        dispute = make_dispute(shop, order, detail_url="https://myseller.taobao.com/home.htm/trade-platform/refund-list")
        Job.create(kind="browser_check", title="浏览器检测", state="failed", error="没有找到可用的浏览器")
        Job.create(kind="browser_check", title="浏览器检测", state="running", done=1, total=3)
    return {"shop": shop.id, "order": order.id, "verification": parked.id, "dispute": dispute.id}


def _all_pages(ids: dict) -> list[str]:
    """The pages (the shop table and the jobs panel are parts of them) and the dialog forms htmx loads."""
    return [path for path, _, _ in PAGES] + [
        "/settings/shop-backend", "/settings/orders", f"/verify/{ids['verification']}",
        f"/shops/{ids['shop']}/edit",
        f"/orders/mark?ids={ids['order']}", f"/orders/{ids['order']}/memo", f"/orders/{ids['order']}/address",
        "/orders/batch-sync", f"/orders/batch-sync?ids={ids['order']}",
        "/aftersales/rules", "/aftersales/log", f"/aftersales/{ids['dispute']}", f"/aftersales/{ids['dispute']}/memo"]


def test_no_page_shows_a_control_that_does_nothing(signed_in, full_desk):
    """Every enabled button, input and link sends to a real route, or htmx or a known script handles it;
    what has no behaviour yet is disabled and says 即将开放."""
    idle = {}
    for path in _all_pages(full_desk):
        response = signed_in.get(path)
        assert response.status_code == 200, path
        found = Page(signed_in.application, response.get_data(as_text=True), path).idle_controls()
        if found:
            idle[path] = found
    assert idle == {}


def test_auto_ship_switch_works_and_explains_faq_4(signed_in):
    doc = lxml.html.fromstring(signed_in.get("/shops").get_data(as_text=True))
    (switch,) = doc.xpath("//input[@name='auto_ship']")
    assert switch.get("disabled") is None and switch.get("checked") is not None
    explanation = doc.get_element_by_id(switch.get("aria-describedby")).text_content()
    assert "关闭期间上家发货的订单不会自动发货" in explanation and "先“暂停获取”" in explanation
    assert "自动补发" in explanation


def test_signed_out_pages_show_no_control_that_does_nothing(app, client):
    def idle(path: str) -> list[str]:
        response = client.get(path)
        assert response.status_code == 200, path
        return Page(app, response.get_data(as_text=True), path).idle_controls()

    assert idle("/register") == []  # first start: no account yet
    assert register(client).status_code == 302
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/orders")})
    assert idle("/login") == []


# ---- templates: one home for globals, a partial per htmx piece -------------------------------------------

def test_header_badge_shows_waiting_verifications_on_first_paint(signed_in, parked):
    html = signed_in.get("/orders").get_data(as_text=True)
    badge = lxml.html.fromstring(html).xpath("//a[contains(@href, '/verify')]/span[@class='badge']")[0]
    assert badge.text_content().strip() == "1"
    assert signed_in.get("/verify/badge").get_data(as_text=True) == "1"  # the poll agrees


def test_pages_fill_only_their_layouts_blocks(app):
    """A page's own block would exist only to be rendered alone (an htmx answer): that is a partial file."""
    env = app.jinja_env
    loader = env.loader

    def blocks(name: str) -> tuple[str | None, set[str]]:
        tree = env.parse(loader.get_source(env, name)[0])
        parent = next((node.template.value for node in tree.find_all(nodes.Extends)), None)
        return parent, {block.name for block in tree.find_all(nodes.Block)}

    def fillable(name: str) -> set[str]:
        parent, own = blocks(name)
        return own | (fillable(parent) if parent else set())

    for name in loader.list_templates():
        parent, own = blocks(name)
        if parent is not None:
            assert own <= fillable(parent), f"{name} defines blocks {own - fillable(parent)} its layouts lack"
