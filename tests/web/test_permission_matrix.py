"""The permission matrix, read off the URL map: every route × (the main account, an employee granted
just the route's code, an employee granted everything but it) answers as the declarations say."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest

from dropship.db import db
from dropship.models import User
from dropship.services import auth
from dropship.services.team import ALL_CODES, MAIN_ONLY, SIGNED_IN, gating_codes, normalize_grants
from dropship.web.access import SESSION_COOKIE, permission_of
from dropship.web.team import route_codes
from tests.helpers import MAIN_PHONE, csrf, make_app, register

DENIED = 403
# POSTs the granted users send for real (empty forms: refused as bad input or not found, never run)
SENT_POSTS = ["/team", "/orders/ignore", "/orders/mark", "/shops/delete", "/accounts/delete", "/purchase/batch",
              "/shipping/baitong", "/settings/purchase/guards"]


def _concrete(rule) -> str:
    return re.sub(r"<[^>]+>", "1", rule.rule)


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    """One app; the main account and, per declared code, an employee with it and one without it,
    each with a session token (signed in without a login form: the matrix is about the check)."""
    app = make_app(tmp_path_factory.mktemp("matrix") / "data")
    client = app.test_client()
    assert register(client).status_code == 302
    routes = [(rule, method, permission_of(app.view_functions[rule.endpoint]))
              for rule in app.url_map.iter_rules() if rule.endpoint != "static"
              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    codes = {code for _, _, code in routes if code not in (None, SIGNED_IN)}
    tokens: dict[tuple[str, str], str] = {}
    with db.connection_context():
        main = User.get(User.username == MAIN_PHONE)
        tokens[("main", "")] = client.get_cookie(SESSION_COOKIE).value
        for n, code in enumerate(sorted(codes)):
            without = [c for c in ALL_CODES if c != code and not c.startswith(f"{code}.")]
            for role, grants in (("with", normalize_grants([code])), ("without", without)):
                user = User.create(username=f"{MAIN_PHONE}:{'y' if role == 'with' else 'n'}{n:02d}", password_hash="x", role="employee",
                                   owner=main, permissions=grants if code != MAIN_ONLY else sorted(ALL_CODES))
                tokens[(role, code)] = auth.start_session(user, False, timedelta(hours=1))
    token = csrf(client, "/orders")
    return {"app": app, "client": client, "routes": routes, "tokens": tokens, "csrf": token}


def _as(desk, who: str, code: str = ""):
    client = desk["client"]
    client.set_cookie(SESSION_COOKIE, desk["tokens"][(who, code)])
    return client


def _send(client, rule, method: str, token: str):
    return client.open(_concrete(rule), method=method, headers={"X-CSRFToken": token})


def test_routes_declare_only_known_codes_and_the_matrix_is_not_empty(desk):
    declared = {code for _, _, code in desk["routes"]}
    assert declared <= ALL_CODES | {MAIN_ONLY, SIGNED_IN, None}
    assert len(desk["routes"]) >= 90 and MAIN_ONLY in declared


def test_an_employee_without_the_routes_code_is_refused_on_every_route(desk):
    """Every method, POSTs included: the check runs before the view, so nothing happens."""
    checked = 0
    for rule, method, code in desk["routes"]:
        if code in (None, SIGNED_IN):
            continue
        response = _send(_as(desk, "without", code), rule, method, desk["csrf"])
        assert response.status_code == DENIED, (method, rule.rule, code, response.status_code)
        checked += 1
    assert checked >= 80


def _allowed(response) -> bool:
    """Past the permission check: the view answered (found, not found, bad input, a redirect of its
    own), no login asked."""
    to_login = response.status_code == 302 and response.headers["Location"].startswith("/login")
    return not to_login and response.status_code not in (DENIED, 401) and response.status_code < 500


def test_the_main_account_and_an_employee_with_the_code_pass_on_every_get_route(desk):
    for rule, method, code in desk["routes"]:
        if method != "GET" or code is None or rule.endpoint == "auth.change_password":
            continue
        main = _send(_as(desk, "main"), rule, method, desk["csrf"])
        assert _allowed(main), ("main", rule.rule, main.status_code)
        if code == SIGNED_IN:
            continue
        granted = _send(_as(desk, "with", code), rule, method, desk["csrf"])
        if code == MAIN_ONLY:  # even an employee granted every code
            assert granted.status_code == DENIED, rule.rule
        else:
            assert _allowed(granted), ("with", rule.rule, code, granted.status_code)


def test_representative_posts_pass_for_the_granted_and_the_main_account(desk):
    by_path = {(_concrete(rule), method): code for rule, method, code in desk["routes"]}
    for path in SENT_POSTS:
        code = by_path[(path, "POST")]
        main = _as(desk, "main").post(path, headers={"X-CSRFToken": desk["csrf"]})
        assert _allowed(main), (path, main.status_code)
        granted = _as(desk, "with", code).post(path, headers={"X-CSRFToken": desk["csrf"]})
        assert granted.status_code == DENIED if code == MAIN_ONLY else _allowed(granted), (path, granted.status_code)


def test_every_permission_checkbox_either_gates_something_or_is_disabled(desk):
    """权限管理 never shows a box that changes nothing: a code no route declares and no job checks is
    disabled (即将开放) until its feature exists."""
    with desk["app"].app_context():
        live = gating_codes(route_codes())
    client = _as(desk, "main")
    with db.connection_context():
        staff_id = User.get(User.username == f"{MAIN_PHONE}:y00").id
    doc = lxml.html.fromstring(client.get(f"/team/{staff_id}/permissions").get_data(as_text=True))
    boxes = {box.get("value"): box.get("disabled") is None for box in doc.xpath("//input[@type='checkbox']")}
    assert set(boxes) == set(ALL_CODES)
    assert {code for code, enabled in boxes.items() if enabled} == set(live)
    assert {"orders", "orders.export", "orders.baitong", "shops.export", "accounts.enable"} <= live
    tasks = Path(__file__).resolve().parents[2] / "dropship" / "tasks"
    source = "\n".join(p.read_text() for p in tasks.glob("*.py"))
    for code in live - {c for _, _, c in desk["routes"]}:
        assert f'"{code}"' in source  # a code said to be checked by a job is
