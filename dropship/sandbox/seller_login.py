"""login.taobao.com: password login with the optional 滑块 and new-device SMS steps, then the
cross-site hop through pass.tmall.com that gives 天猫 pages the same session."""
from __future__ import annotations

import hashlib
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, render_template, request

from . import accounts, clock, ids, people, slider, sms
from .hosts import cookie_domain, origin, sandbox_host
from .models import Account, Challenge, Device, Session

bp = Blueprint("seller_login", __name__)
LOGIN = sandbox_host("login.taobao.com")
PASS = sandbox_host("pass.tmall.com")
WRONG_PASSWORD = "账号名或登录密码不正确"
COOKIE_DAYS = 7  # sandbox choice: logins survive a browser restart for a week
CNA_DAYS = 365  # the device id cookie; a profile that keeps it counts as a known device


def _page(login_id: str = "", error: str = "", nc_token: str = "", password: str = "", status: int = 200):
    html = render_template("login.html", login_id=login_id, error=error, nc_token=nc_token,
                           password=password if nc_token else "", distance=slider.SLIDE_DISTANCE,
                           redirect_url=request.values.get("redirectURL", ""))
    return html, status


@bp.get("/member/login.jhtml", host=LOGIN)
def login_page():
    response = Response(_page()[0])
    if not request.cookies.get("cna"):
        _set_cna(response, ids.token("cna", 24))
    return response


@bp.post("/member/login.jhtml", host=LOGIN)
def login_submit():
    login_id = request.form.get("fm-login-id", "").strip()
    password = request.form.get("fm-login-password", "")
    nc_token = request.form.get("nc_token", "")
    at = clock.now()
    account = accounts.find("taobao", login_id)
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
                                     created_at=at, data={"cna": cna, "redirect": redirect_url})
        response = redirect(f"/member/login_unusual.htm?token={challenge.token}")
        _set_cna(response, cna)
        return response
    return _finish(account, redirect_url, cna)


@bp.post("/newlogin/slide/verify.do", host=LOGIN)
def slide_verify():
    ok = slider.verify(request.form.get("token", ""), request.form.get("track", ""))
    return jsonify({"success": ok, "message": "验证通过" if ok else "验证失败"})


def _sms_challenge() -> Challenge | None:
    token = request.values.get("token", "")
    return Challenge.get_or_none((Challenge.token == token) & (Challenge.kind == "sms") & (Challenge.used == False))  # noqa: E712


@bp.get("/member/login_unusual.htm", host=LOGIN)
def unusual_page():
    challenge = _sms_challenge()
    if challenge is None:
        return redirect("/member/login.jhtml")
    return render_template("login_unusual.html", token=challenge.token,
                           masked_phone=people.mask_mobile(challenge.account.phone))


@bp.post("/member/send_code.do", host=LOGIN)
def send_code():
    challenge = _sms_challenge()
    if challenge is None:
        return jsonify({"success": False, "message": "验证已过期，请重新登录"})
    sms.send(challenge.account.phone, "login", clock.now(), account=challenge.account)
    return jsonify({"success": True, "message": f"校验码已发送至 {people.mask_mobile(challenge.account.phone)}"})


@bp.post("/member/login_unusual.htm", host=LOGIN)
def unusual_submit():
    challenge = _sms_challenge()
    if challenge is None:
        return redirect("/member/login.jhtml")
    account = challenge.account
    if not sms.check(request.form.get("checkCode", ""), "login", clock.now(), account=account):
        return render_template("login_unusual.html", token=challenge.token, error="校验码错误或已过期",
                               masked_phone=people.mask_mobile(account.phone)), 200
    challenge.used = True
    challenge.save()
    Device.get_or_create(account=account, cna=challenge.data["cna"])
    return _finish(account, challenge.data["redirect"], challenge.data["cna"])


@bp.get("/member/logout.jhtml", host=LOGIN)
def logout():
    Session.delete().where(Session.token == request.cookies.get("cookie2", "")).execute()
    response = redirect("/member/login.jhtml")
    for name in ("cookie2", "unb", "sn", "_tb_token_", "_m_h5_tk", "_m_h5_tk_enc", "sgcookie"):
        response.delete_cookie(name, domain=cookie_domain("taobao.com"))
    return response


@bp.get("/add", host=PASS)
def pass_add():
    """The real login hops through pass.tmall.com/add to set the same cookies on .tmall.com."""
    session = Session.get_or_none(Session.token == request.args.get("cookie2", ""))
    target = request.args.get("target") or origin("myseller.taobao.com") + "/home.htm"
    response = redirect(target)
    if session is not None:
        _set_login_cookies(response, session, cookie_domain("tmall.com"))
    return response


def _finish(account: Account, redirect_url: str, cna: str) -> Response:
    session = accounts.open_session(account, clock.now())
    target = redirect_url or origin("myseller.taobao.com") + "/home.htm"
    response = redirect(f"{origin('pass.tmall.com')}/add?cookie2={session.token}&target={quote(target, safe='')}")
    _set_login_cookies(response, session, cookie_domain("taobao.com"))
    _set_cna(response, cna)
    return response


def _set_cna(response: Response, cna: str) -> None:
    response.set_cookie("cna", cna, max_age=CNA_DAYS * 86400, domain=cookie_domain("taobao.com"))


def _set_login_cookies(response: Response, session: Session, domain: str) -> None:
    account = session.account
    digest = hashlib.md5(session.token.encode()).hexdigest()
    cookies = {  # name: (value, HttpOnly) — HttpOnly ones as on the real site
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
    for name, (value, http_only) in cookies.items():
        response.set_cookie(name, value, max_age=COOKIE_DAYS * 86400, domain=domain, httponly=http_only)
