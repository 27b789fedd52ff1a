"""Password login for the Alibaba family: login.taobao.com (淘宝/天猫/淘特 shops and buyers) and
login.1688.com (1688 buyers), with the optional 滑块 and new-device SMS steps.

Both hosts run the same flow on their own account namespace and cookie family (the real 1688
login embeds the same passport form). A 淘宝 login then hops through pass.tmall.com, which gives
天猫 pages the same session.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from . import accounts, clock, ids, people, slider, sms
from .hosts import cookie_domain, origin, sandbox_host
from .models import Account, Challenge, Device, Session

bp = Blueprint("login", __name__)
WRONG_PASSWORD = "账号名或登录密码不正确"
COOKIE_DAYS = 7  # sandbox choice: logins survive a browser restart for a week
CNA_DAYS = 365  # the device id cookie; a profile that keeps it counts as a known device
PASS = sandbox_host("pass.tmall.com")


@dataclass(frozen=True)
class LoginSite:
    site: str  # Account.site
    host: str  # the real login host
    page: str  # path of the login form
    family: str  # cookie family (a real host)
    brand: str


TAOBAO = LoginSite("taobao", "login.taobao.com", "/member/login.jhtml", "taobao.com", "淘宝网")
ALIBABA = LoginSite("alibaba1688", "login.1688.com", "/member/signin.htm", "1688.com", "阿里巴巴1688")
SITES = {sandbox_host(s.host): s for s in (TAOBAO, ALIBABA)}


HAVANAONE = "/havanaone/login/login.htm"  # the current 淘宝 login page; its checks open in an iframe


def login_url(site: LoginSite, target: str) -> str:
    return f"{origin(site.host)}{site.page}?redirectURL={quote(target, safe='')}"


def havanaone_url(target: str) -> str:
    """Where the real site sends an expired seller session (FIDELITY.md, login)."""
    return f"{origin(TAOBAO.host)}{HAVANAONE}?bizName=taobao&redirectURL={quote(target, safe='')}"


def _framed() -> bool:
    """The havanaone page shows its slider and SMS steps inside ``iframe#baxia-dialog-content``."""
    return request.path == HAVANAONE


def home_url(account: Account) -> str:
    """Where a login lands without ``redirectURL``."""
    if account.site == "alibaba1688":
        return origin("air.1688.com") + "/app/ctf-page/trade-order-list/buyer-order-list.html"
    if account.role == "buyer":
        return origin("i.taobao.com") + "/my_taobao.htm"
    return origin("myseller.taobao.com") + "/home.htm"


def _site() -> LoginSite:
    return SITES[request.host]


def _page(login_id: str = "", error: str = "", nc_token: str = "", password: str = "", status: int = 200,
          sms_token: str = ""):
    html = render_template("login.html", site=_site(), login_id=login_id, error=error, nc_token=nc_token,
                           password=password if nc_token or sms_token else "", distance=slider.SLIDE_DISTANCE,
                           redirect_url=request.values.get("redirectURL", ""), action=request.path,
                           framed=_framed(), sms_token=sms_token)
    return html, status


def login_page():
    response = Response(_page()[0])
    if not request.cookies.get("cna"):
        _set_cna(response, ids.token("cna", 24))
    return response


def login_submit():
    login_id = request.form.get("fm-login-id", "").strip()
    password = request.form.get("fm-login-password", "")
    nc_token = request.form.get("nc_token", "")
    at = clock.now()
    account = accounts.find(_site().site, login_id)
    if account is None:
        return _page(login_id, WRONG_PASSWORD)
    if nc_token:
        if not slider.redeem(nc_token, "login", account):
            pending = Challenge.get_or_none((Challenge.token == nc_token) & (Challenge.used == False))  # noqa: E712
            token = pending.token if pending else slider.issue("login", at, account).token
            return _page(login_id, "请拖动滑块完成验证", token, password)
    else:
        account.login_attempts += 1
        account.save()
        if clock.rng("login-slider", account.id, account.login_attempts).random() < account.slider_chance:
            return _page(login_id, "", slider.issue("login", at, account).token, password)
    if account.password != password:
        return _page(login_id, WRONG_PASSWORD)
    cna = request.cookies.get("cna") or ids.token("cna", 24)
    redirect_url = request.form.get("redirectURL", "")
    if account.sms_on_new_device and not Device.select().where(
            (Device.account == account) & (Device.cna == cna)).exists():
        challenge = Challenge.create(token=ids.token("sms"), kind="sms", purpose="login", account=account,
                                     created_at=at, data={"cna": cna, "redirect": redirect_url, "framed": _framed()})
        if _framed():
            html, _ = _page(login_id, sms_token=challenge.token, password=password)
            response = Response(html)
        else:
            response = redirect(f"/member/login_unusual.htm?token={challenge.token}")
        _set_cna(response, cna)
        return response
    return _finish(account, redirect_url, cna)


def slide_verify():
    ok = slider.verify(request.form.get("token", ""), request.form.get("track", ""))
    return jsonify({"success": ok, "message": "验证通过" if ok else "验证失败"})


def _sms_challenge() -> Challenge | None:
    token = request.values.get("token", "")
    challenge = Challenge.get_or_none((Challenge.token == token) & (Challenge.kind == "sms")
                                      & (Challenge.used == False))  # noqa: E712
    return challenge if challenge is not None and challenge.account.site == _site().site else None


def unusual_page():
    challenge = _sms_challenge()
    if challenge is None:
        return redirect(_site().page)
    return render_template("login_unusual.html", token=challenge.token,
                           masked_phone=people.mask_mobile(challenge.account.phone))


def send_code():
    challenge = _sms_challenge()
    if challenge is None:
        return jsonify({"success": False, "message": "验证已过期，请重新登录"})
    sms.send(challenge.account.phone, "login", clock.now(), account=challenge.account)
    return jsonify({"success": True, "message": f"校验码已发送至 {people.mask_mobile(challenge.account.phone)}"})


def unusual_submit():
    challenge = _sms_challenge()
    if challenge is None:
        return redirect(_site().page)
    account = challenge.account
    if not sms.check(request.form.get("checkCode", ""), "login", clock.now(), account=account):
        return render_template("login_unusual.html", token=challenge.token, error="校验码错误或已过期",
                               masked_phone=people.mask_mobile(account.phone)), 200
    challenge.used = True
    challenge.save()
    Device.get_or_create(account=account, cna=challenge.data["cna"])
    return _finish(account, challenge.data["redirect"], challenge.data["cna"], top=challenge.data.get("framed", False))


def slide_frame():
    """The slider of the havanaone page, served into ``iframe#baxia-dialog-content``."""
    challenge = Challenge.get_or_none((Challenge.token == request.args.get("token", "")) & (Challenge.kind == "slider"))
    if challenge is None:
        return render_template("message.html", title="验证已失效", text="请刷新页面重试"), 404
    return render_template("slide_frame.html", token=challenge.token, distance=slider.SLIDE_DISTANCE)


def logout():
    Session.delete().where(Session.token == request.cookies.get("cookie2", "")).execute()
    response = redirect(_site().page)
    for name in ("cookie2", "unb", "sn", "_tb_token_", "_m_h5_tk", "_m_h5_tk_enc", "sgcookie"):
        response.delete_cookie(name, domain=cookie_domain(_site().family))
    return response


for _site_def in (TAOBAO, ALIBABA):
    _host, _name = sandbox_host(_site_def.host), _site_def.site
    _pages = (HAVANAONE, _site_def.page) if _site_def is TAOBAO else (_site_def.page,)
    for _path, _view, _methods in (*((p, login_page, ["GET"]) for p in _pages),
                                   *((p, login_submit, ["POST"]) for p in _pages),
                                   ("/newlogin/slide/frame.htm", slide_frame, ["GET"]),
                                   ("/newlogin/slide/verify.do", slide_verify, ["POST"]),
                                   ("/member/login_unusual.htm", unusual_page, ["GET"]),
                                   ("/member/send_code.do", send_code, ["POST"]),
                                   ("/member/login_unusual.htm", unusual_submit, ["POST"]),
                                   ("/member/logout.jhtml", logout, ["GET"])):
        bp.add_url_rule(_path, f"{_name}_{_view.__name__}_{_path.replace('.', '_')}", _view, host=_host, methods=_methods)


@bp.get("/add", host=PASS)
def pass_add():
    """The real login hops through pass.tmall.com/add to set the same cookies on .tmall.com."""
    session = Session.get_or_none(Session.token == request.args.get("cookie2", ""))
    target = request.args.get("target") or origin("myseller.taobao.com") + "/home.htm"
    response = redirect(target)
    if session is not None:
        set_login_cookies(response, session, cookie_domain("tmall.com"))
    return response


def _finish(account: Account, redirect_url: str, cna: str, top: bool = False) -> Response:
    """Log in: cookies, then on to the target. ``top``: the last step ran inside the iframe, so the
    answer moves the whole window (as the real iframe does with ``top.location``)."""
    session = accounts.open_session(account, clock.now())
    target = redirect_url or home_url(account)
    site = _site()
    if site is TAOBAO:
        target = f"{origin('pass.tmall.com')}/add?cookie2={session.token}&target={quote(target, safe='')}"
    if top:
        response = Response(f'<!doctype html><script>top.location.replace({json.dumps(target)});</script>')
    else:
        response = redirect(target)
    set_login_cookies(response, session, cookie_domain(site.family))
    _set_cna(response, cna)
    return response


def _set_cna(response: Response, cna: str) -> None:
    response.set_cookie("cna", cna, max_age=CNA_DAYS * 86400, domain=cookie_domain(_site().family))


def login_cookie_values(session: Session) -> dict[str, tuple[str, bool]]:
    """The session cookies a login sets: name -> (value, HttpOnly), HttpOnly ones as on the real site."""
    account = session.account
    digest = hashlib.md5(session.token.encode()).hexdigest()
    cookies = {
        "cookie2": (session.token, True),
        "unb": (account.uid, True),
        "sgcookie": ("E100" + digest, True),
        "t": (digest, False),
        "_tb_token_": (session.tb_token, False),
        "_m_h5_tk": (session.h5_tk, False),
        "_m_h5_tk_enc": (hashlib.md5(session.h5_tk.encode()).hexdigest(), False),
        "tracknick": (quote(account.nick), False),
    }
    if account.parent_id:
        cookies["sn"] = (quote(account.login, safe=":"), False)  # 主账号:子账号, non-ASCII percent-encoded
    return cookies


def set_login_cookies(response: Response, session: Session, domain: str) -> None:
    for name, (value, http_only) in login_cookie_values(session).items():
        response.set_cookie(name, value, max_age=COOKIE_DAYS * 86400, domain=domain, httponly=http_only)
