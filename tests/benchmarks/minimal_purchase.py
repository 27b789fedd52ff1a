"""The limit of the purchase benchmark: the same clicks on the same sandbox pages, and nothing else.

One thread per purchase account, each with its own Chromium (as the app's two workers have), buys
`count` pieces of one SKU: open the item, choose the SKU, quantity, 立即购买, pick the address from
the book (the first order of an account adds it through the region picker, as the app's does),
claim the shop coupon, write the buyer memo, 提交订单, pay on the cashier it lands on. No database,
no queue, no snapshot or diff, no read-back: what a person with a macro would do.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from playwright.sync_api import sync_playwright

from dropship.platforms.base import Receiver
from dropship.platforms.browser import CHROMIUM_ARGS, find_browser
from dropship.platforms.taobao_buyer import CONFIRM_PATHS, WAIT_MS, pick_tag, picker_path

# each step waits for what the next one needs (no fixed pauses), as the driver does


@dataclass
class Buyer:
    login: str
    cookies: list[dict]
    count: int


def _add_address(page, receiver: Receiver) -> None:
    page.locator("#J_NewAddress").click()
    frame = page.frame_locator("#J_AddressFrame")
    frame.locator(".cndzk-entrance-division-header-click").click()
    for label in picker_path(receiver):
        pick_tag(frame, label)
    pick_tag(frame, receiver.town)
    frame.locator("#addressDetail").fill(receiver.address)
    frame.locator("#fullName").fill(receiver.name)
    frame.locator("#mobile").fill(receiver.phone)
    frame.get_by_role("button", name="保存").click()
    page.wait_for_url(lambda url: "addressId=" in url, wait_until="domcontentloaded", timeout=WAIT_MS)


def buy_once(page, item_url: str, pvs: list[str], quantity: int, receiver: Receiver, memo: str,
             pay_password: str) -> None:
    page.goto(item_url, wait_until="domcontentloaded")
    for pv in pvs:
        page.locator(f'[id*="SkuPanel"] [data-pv="{pv}"]').click()
    page.locator("#J_IptAmount").fill(str(quantity))
    page.locator("#J_LinkBuy").click()
    page.wait_for_url(lambda url: any(path in url for path in CONFIRM_PATHS), wait_until="domcontentloaded",
                      timeout=WAIT_MS)
    rows = page.locator("#J_AddressList .address-item")
    if rows.count():
        rows.first.click()
    else:
        _add_address(page, receiver)
    claim = page.locator("#J_ClaimCoupon")
    if claim.count():
        claim.click()
        page.wait_for_function("() => document.getElementById('J_CouponTip').textContent.trim() !== ''",
                               timeout=WAIT_MS)
    page.locator("textarea[id^=textarea_memoPC]").first.fill(memo)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=WAIT_MS):
        page.locator("#J_Go").click(timeout=WAIT_MS)  # enabled once the page's baxia seed arrived
    page.locator("#payPassword_rsainput").fill(pay_password)
    with page.expect_navigation(wait_until="domcontentloaded", timeout=WAIT_MS):
        page.locator("#J_authSubmit").click()
    page.locator("#order-status").wait_for(timeout=WAIT_MS)


def _buy_all(buyer: Buyer, item_url: str, pvs: list[str], receiver: Receiver, pay_password: str,
             errors: list[BaseException]) -> None:
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_browser().path, args=list(CHROMIUM_ARGS))
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
            context.add_cookies(buyer.cookies)
            page = context.new_page()
            for n in range(buyer.count):
                buy_once(page, item_url, pvs, 1, receiver, f"LIMIT-{buyer.login}-{n}", pay_password)
            browser.close()
    except BaseException as exc:  # reported by run(): a thread's exception is otherwise lost
        errors.append(exc)


def run(buyers: list[Buyer], item_url: str, sku_path: str, receiver: Receiver, pay_password: str) -> float:
    """Every buyer's orders, the buyers in parallel; returns the seconds from start to the last payment."""
    errors: list[BaseException] = []
    pvs = [pv for pv in sku_path.split(";") if pv]
    threads = [threading.Thread(target=_buy_all, args=(b, item_url, pvs, receiver, pay_password, errors))
               for b in buyers]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - started
