"""注册 / 登录: bad input is refused by the field with a 4xx and creates nothing; sessions persist."""
import pytest

from dropship.db import db
from dropship.models import Job, User, UserSession
from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, login, make_app, post, register


def _users(app) -> int:
    with db.connection_context():
        return User.select().count()


def test_first_start_offers_register_on_the_login_page_until_a_main_account_exists(client):
    assert client.get("/").headers["Location"] == "/login"
    page = client.get("/login")
    assert page.status_code == 200 and '<a href="/register">立即注册</a>' in page.get_data(as_text=True)
    assert "注册" in client.get("/register").get_data(as_text=True)
    assert register(client).status_code == 302
    assert client.get("/register").headers["Location"] == "/login"
    assert post(client, "/logout", token_page="/orders").status_code == 302
    assert "立即注册" not in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("form,field,message", [
    ({"phone": "", "password": "abcdef", "confirm": "abcdef"}, "phone", "请输入手机号"),
    ({"phone": "1391234", "password": "abcdef", "confirm": "abcdef"}, "phone", "请输入 11 位手机号"),
    ({"phone": MAIN_PHONE, "password": "abc", "confirm": "abc"}, "password", "密码至少 6 位"),
    ({"phone": MAIN_PHONE, "password": "abcdef", "confirm": "abcxyz"}, "confirm", "两次输入的密码不一致"),
    ({"phone": "1" * 10_240, "password": "abcdef", "confirm": "abcdef"}, "phone", "请输入 11 位手机号"),
    ({"phone": MAIN_PHONE, "password": "p" * 10_240, "confirm": "p" * 10_240}, "password", "密码最多 64 位"),
])
def test_bad_registration_input(app, client, form, field, message):
    response = post(client, "/register", form, token_page="/register")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="e-{field}"' in html and message in html
    assert _users(app) == 0
    assert "dd_session" not in response.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("form,status,field,message", [
    ({"username": "", "password": "x"}, 400, "username", "请输入账号"),
    ({"username": MAIN_PHONE, "password": ""}, 400, "password", "请输入密码"),
    ({"username": MAIN_PHONE, "password": "wrong-one"}, 401, "password", "账号或密码错误"),
    ({"username": "9" * 10_240, "password": "x"}, 400, "username", "账号过长"),
])
def test_bad_login_input(app, client, form, status, field, message):
    register(client)
    client.delete_cookie("dd_session")
    with db.connection_context():
        sessions = UserSession.select().count()
    response = post(client, "/login", form)
    html = response.get_data(as_text=True)
    assert response.status_code == status and f'id="e-{field}"' in html and message in html
    with db.connection_context():
        assert UserSession.select().count() == sessions


def test_rate_limit_shows_wait_in_chinese(client):
    register(client)
    client.delete_cookie("dd_session")
    for _ in range(5):
        assert login(client, password="wrong-pass").status_code == 401
    response = login(client)  # even the right password must wait now
    assert response.status_code == 429
    assert "登录失败次数过多" in response.get_data(as_text=True)


def test_remember_me_sets_a_lasting_cookie_and_plain_login_does_not(client):
    register(client)
    client.delete_cookie("dd_session")
    plain = login(client).headers["Set-Cookie"]
    assert "dd_session=" in plain and "Max-Age" not in plain and "HttpOnly" in plain
    lasting = login(client, remember=True).headers["Set-Cookie"]
    assert "Max-Age=2592000" in lasting


def test_restart_keeps_users_remembered_sessions_and_jobs(tmp_path):
    first = make_app(tmp_path / "d")
    c1 = first.test_client()
    register(c1)
    login(c1, remember=True)
    cookie = c1.get_cookie("dd_session").value
    post(c1, "/settings/browser/check", token_page="/orders")
    with db.connection_context():
        jobs = [(j.id, j.state) for j in Job.select()]
    assert jobs

    second = make_app(tmp_path / "d")  # a new process would do the same: same data dir
    c2 = second.test_client()
    c2.set_cookie("dd_session", cookie)
    page = c2.get("/orders")
    assert page.status_code == 200 and MAIN_PHONE in page.get_data(as_text=True)
    with db.connection_context():
        assert [(j.id, j.state) for j in Job.select()] == jobs


def test_logout_ends_the_session_server_side(signed_in):
    cookie = signed_in.get_cookie("dd_session").value
    post(signed_in, "/logout", token_page="/orders")
    signed_in.set_cookie("dd_session", cookie)  # a stolen copy of the cookie is useless now
    assert signed_in.get("/orders").status_code == 302


def test_login_with_password_of_main_account(client):
    register(client)
    client.delete_cookie("dd_session")
    response = login(client, MAIN_PHONE, MAIN_PASSWORD)
    assert response.status_code == 302
    assert client.get("/orders").status_code == 200
