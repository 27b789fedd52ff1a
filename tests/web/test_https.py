"""LAN mode: HTTPS with a self-signed certificate made on first start, served through dropship.tls."""
from __future__ import annotations

import http.client
import re
import ssl
import stat
import urllib.parse
import urllib.request

import pytest

from dropship.config import load_settings
from dropship.runtime import Runtime, print_banner
from dropship.tls import RealClient, TlsFront, ensure_certificate, server_context
from tests.helpers import MAIN_PASSWORD, MAIN_PHONE, free_port, seed_database


def _start(tmp_path, **overrides) -> Runtime:
    settings = load_settings(data_dir=tmp_path / "data", env={}, port=free_port(), web_threads=2, **overrides)
    seed_database(settings)
    runtime = Runtime(settings, worker=False)
    runtime.start()
    return runtime


def _trusting(cert) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False  # the certificate names this PC's addresses; the test dials 127.0.0.1
    return context


@pytest.fixture
def https_runtime(tmp_path):
    runtime = _start(tmp_path, https="on")
    yield runtime
    runtime.stop()


def test_a_page_over_https_with_the_generated_certificate(https_runtime):
    cert = https_runtime.certificate
    with urllib.request.urlopen(f"https://127.0.0.1:{https_runtime.port}/register",
                                context=_trusting(cert), timeout=10) as response:
        assert response.status == 200 and "注册" in response.read().decode()
        cookies = response.headers.get_all("Set-Cookie")
    assert cookies and all("Secure" in c for c in cookies)  # cookies never travel over plain http
    for path in (cert, cert.with_name("key.pem")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cert.parent.stat().st_mode) == 0o700
    # plain http from this PC still works (the owner's browser, the desktop window)
    with urllib.request.urlopen(f"{https_runtime.url}/healthz", timeout=10) as response:
        assert response.status == 200


def test_the_certificate_is_made_once_and_kept(tmp_path):
    first = ensure_certificate(tmp_path)
    pem = first[0].read_bytes()
    assert ensure_certificate(tmp_path)[0].read_bytes() == pem


def test_plain_http_from_another_pc_is_sent_to_https(tmp_path):
    cert, key = ensure_certificate(tmp_path)
    front = TlsFront("127.0.0.1", 0, free_port(), server_context(cert, key), plain_allowed=lambda ip: False)
    import threading

    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", front.port, timeout=10)
        conn.request("GET", "/orders?tab=to_ship", headers={"Host": "192.168.1.23:8765"})
        response = conn.getresponse()
        assert response.status == 301
        assert response.getheader("Location") == "https://192.168.1.23:8765/orders?tab=to_ship"
    finally:
        front.close()


def test_requests_through_the_front_keep_the_real_client_address():
    seen = {}

    def app(environ, start_response):
        seen.update(addr=environ["REMOTE_ADDR"], scheme=environ["wsgi.url_scheme"])
        return []

    class Front:
        peers = {50123: ("192.168.1.50", True)}

    wrapped = RealClient(app, Front())
    wrapped({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50123", "wsgi.url_scheme": "http"}, None)
    assert seen == {"addr": "192.168.1.50", "scheme": "https"}
    wrapped({"REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "wsgi.url_scheme": "http"}, None)
    assert seen == {"addr": "127.0.0.1", "scheme": "http"}  # a direct local connection stays local


def test_lan_start_prints_https_fingerprint_and_a_setup_code_that_registers(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("dropship.runtime.lan_addresses", lambda: ["192.168.1.23"])
    runtime = _start(tmp_path, host="0.0.0.0")  # https: auto
    try:
        print_banner(runtime)
        out = capsys.readouterr().out
        assert f"局域网地址：https://192.168.1.23:{runtime.port}" in out and "证书指纹：" in out
        code = re.search(r"安装码：([\d-]+)", out).group(1)
        context = _trusting(runtime.certificate)
        conn = http.client.HTTPSConnection("127.0.0.1", runtime.port, context=context, timeout=10)
        conn.request("GET", "/register")
        page = conn.getresponse()
        html, cookie = page.read().decode(), page.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        body = urllib.parse.urlencode({"phone": MAIN_PHONE, "password": MAIN_PASSWORD, "confirm": MAIN_PASSWORD,
                                       "setup_code": code, "csrf_token": token})
        conn.request("POST", "/register", body=body, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        response.read()
        assert response.status == 302 and "Secure" in response.getheader("Set-Cookie")
    finally:
        runtime.stop()


def test_https_is_off_on_localhost_by_default():
    assert not load_settings(env={}).use_https
    assert load_settings(env={}, host="0.0.0.0").use_https
    assert not load_settings(env={}, host="0.0.0.0", https="off").use_https


def test_https_setting_takes_only_its_choices():
    from dropship.config import ConfigError

    with pytest.raises(ConfigError, match="https 只能是 auto / on / off"):
        load_settings(env={"DROPSHIP_HTTPS": "yes"})
