"""Every route declares a permission; signed-out visitors are sent to login; every POST needs CSRF."""
import re

import pytest

from dropship.web.access import permission_of
from tests.helpers import csrf

PUBLIC = {"auth.login", "auth.register", "home", "healthz", "static"}


def _concrete(rule) -> str:
    return re.sub(r"<(?:int:)?[^>]+>", "1", rule.rule)


def test_every_route_declares_its_permission(app):
    missing = [rule.endpoint for rule in app.url_map.iter_rules()
               if rule.endpoint != "static" and permission_of(app.view_functions[rule.endpoint]) is ...]
    assert missing == []
    public = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint == "static" or permission_of(app.view_functions[rule.endpoint]) is None}
    assert public == PUBLIC


def test_signed_out_visitors_are_redirected_to_login(app, client):
    from tests.helpers import register

    register(client)
    client.post("/logout", headers={"X-CSRFToken": csrf(client, "/orders")})
    checked = 0
    token = csrf(client)
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = _concrete(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method, headers={"X-CSRFToken": token})
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), url
            checked += 1
    assert checked >= 12


def test_htmx_requests_get_401_with_redirect_header(client):
    from tests.helpers import register

    register(client)
    client.delete_cookie("dd_session")
    response = client.get("/jobs/panel", headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


@pytest.mark.parametrize("path", ["/logout", "/settings/browser/check", "/login", "/register"])
def test_post_without_csrf_token_is_refused(signed_in, path):
    response = signed_in.post(path, data={"username": "x"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_wrong_csrf_token_is_refused(signed_in):
    csrf(signed_in, "/orders")
    response = signed_in.post("/logout", headers={"X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert signed_in.get("/orders").status_code == 200  # still signed in: nothing happened


def test_next_parameter_only_allows_local_paths(client):
    from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, post, register

    register(client)
    client.delete_cookie("dd_session")
    data = {"username": MAIN_PHONE, "password": MAIN_PASSWORD}
    response = post(client, "/login?next=//evil.example/x", data)
    assert response.headers["Location"] == "/"
    client.delete_cookie("dd_session")
    response = post(client, "/login?next=/shops", data)
    assert response.headers["Location"] == "/shops"
