"""A stand-in for baxia (``bx-ua`` / ``bx-umidtoken``), the tokens the real 淘宝 / 天猫 checkout
needs (idx 5662728465, 18503470377) and that a request made outside the page cannot produce.

INVENTED mechanics (the real ``bx-ua`` is an obfuscated fingerprint of the browser and the mouse
track, valid for one or two calls): the confirm page carries a per-page nonce (``umidToken``);
once loaded, the page's script fetches a seed for that nonce from ``/auction/json/bx_seed.do``
(handed out **once**, only to a request whose Referer is the confirm page); on a **trusted**
click of 提交订单 it computes ``bx-ua = "231!" + <pointer events seen> + "#" + h(nonce, seed,
pointer events, the submitted values)`` (``h`` = four FNV-1a 32-bit rounds, mirrored here). The
server accepts a nonce once, within 30 simulated minutes. Anything else is refused like a
baxia block: ``RGV587_ERROR::SM::哎哟喂,被挤爆啦,请稍后重试!``. A driver therefore clicks in the page.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from . import clock, ids
from .models import Account, Challenge

KIND = "bx"
LIFETIME = timedelta(minutes=30)
REFUSED = "哎哟喂,被挤爆啦,请稍后重试!"
# The confirm form's fields the token covers, in order (what a driver may change by clicking).
SIGNED_FIELDS = ("buy_param", "addressId", "memo", "useCoupon", "insurance")


def issue(account: Account, page: str) -> str:
    """A nonce for one rendering of a confirm page."""
    challenge = Challenge.create(token=ids.token("bx"), kind=KIND, purpose=page, account=account,
                                 created_at=clock.now(), data={"seed": ids.token("seed")[:16], "seeded": False})
    return challenge.token


def _live(account: Account, nonce: str | None) -> Challenge | None:
    challenge = Challenge.get_or_none((Challenge.token == (nonce or "")) & (Challenge.kind == KIND))
    if challenge is None or challenge.account_id != account.id or challenge.used:
        return None
    return challenge if clock.now() - challenge.created_at <= LIFETIME else None


def seed(account: Account, nonce: str | None, referer: str, page: str) -> str | None:
    """The seed of a live nonce, once, to the confirm page itself."""
    challenge = _live(account, nonce)
    if challenge is None or challenge.data["seeded"] or page not in referer or challenge.purpose != page:
        return None
    challenge.data = {**challenge.data, "seeded": True}
    challenge.save()
    return challenge.data["seed"]


def fnv(text: str) -> str:
    """Four FNV-1a 32-bit rounds over UTF-8 (the page's script computes the same)."""
    out = []
    for round_ in range(4):
        h = 0x811C9DC5
        for byte in f"{round_}|{text}".encode():
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
        out.append(f"{h:08x}")
    return "".join(out)


def expected(nonce: str, seed_value: str, pointer: str, values: Iterable[str]) -> str:
    return f"231!{pointer}#" + fnv("|".join((nonce, seed_value, pointer, *values)))


def check(account: Account, form: Mapping[str, str], page: str) -> bool:
    """Whether the posted tokens are the ones the page computed; a nonce is good for one try."""
    challenge = _live(account, form.get("umidToken"))
    if challenge is None or challenge.purpose != page:
        return False
    challenge.used = True
    challenge.save()
    ua = form.get("bx-ua", "")
    pointer = ua.removeprefix("231!").partition("#")[0]
    if not challenge.data["seeded"] or not pointer.isdigit() or int(pointer) < 1:
        return False
    return ua == expected(challenge.token, challenge.data["seed"], pointer,
                          (form.get(name, "") for name in SIGNED_FIELDS))
