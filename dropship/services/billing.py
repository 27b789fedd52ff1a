"""充值中心 rules: card keys (卡密), a shop's service time (截止日期) and the one 已到期 rule.

A card key is an offline token: a version, the id of the key that signed it, a random serial, days and
点数, signed with the vendor's Ed25519 private key. The app ships only the public key, so it can check a
key but never make one; `python -m dropship.billing mint` makes them where the private key is. A serial
is spent once: `RedeemedCard.serial` is unique, so of two sessions redeeming the same key one wins.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from peewee import IntegrityError

from dropship.db import db
from dropship.errors import FieldError, UserError
from dropship.models import RedeemedCard, Shop, User
from dropship.services.settings import get_setting, int_between, register

# The vendor's public key (raw Ed25519, base64). Its private half never enters the repository.
VENDOR_PUBLIC_KEY = "/hwlZ+QzOnmbcBj7wWDtBTZMTEzUj5Lbcy06RkVHu5o="

PREFIX = "DSK-"
VERSION = 1
_PAYLOAD = struct.Struct(">B4s8sHI")  # version, key id, serial, days, 点数
_SIGNATURE = 64
MAX_DAYS = 3650
MAX_POINTS = 1_000_000
MAX_LINES = 500  # keys in one paste
MAX_LINE = 200  # characters of one line (a key is 115)

# 新店铺试用天数: a shop added gets this much service time; a shop row without a 截止日期 (added before
# card keys existed, or by tests) counts it from when the shop was added.
register("billing.trial_days", "新店铺试用天数", 7, int_between(0, 30))

MALFORMED = "卡密格式不正确（请完整复制，一行一个）"
EXPIRED_EFFECT = "已停止获取订单、自动采购和自动发货；已有订单仍可查看和手动处理。请在充值中心用卡密续费"


class CardError(ValueError):
    """A line that is not a usable card key; the message is the reason shown beside it."""


@dataclass(frozen=True)
class Card:
    text: str
    serial: str  # hex
    days: int
    points: int = 0

    @property
    def short(self) -> str:
        """The key as the recognition table shows it (the whole key is in its title)."""
        return f"{self.text[:10]}…{self.text[-6:]}"


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based line of the paste
    text: str
    reason: str


@dataclass
class Recognition:
    """A pasted batch checked against the ticked shops: one valid key per shop, in paste order."""

    needed: int
    cards: list[Card] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.needed - len(self.cards))

    @property
    def summary(self) -> str:
        return f"{len(self.cards)}个卡密有效，还需要{self.missing}个卡密"

    @property
    def ready(self) -> bool:
        return self.needed > 0 and len(self.cards) == self.needed


# -- keys --------------------------------------------------------------------------------------

def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A public key from PEM or from base64 of its 32 raw bytes."""
    data = text.encode() if isinstance(text, str) else text
    if data.lstrip().startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(data, validate=True))


def vendor_public_key() -> Ed25519PublicKey:
    return load_public_key(VENDOR_PUBLIC_KEY)


def key_id(public_key: Ed25519PublicKey) -> bytes:
    """4 bytes naming the signing key, so a key from another vendor key says so instead of 篡改."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).digest()[:4]


def mint(private_key: Ed25519PrivateKey, days: int, points: int = 0, serial: bytes | None = None) -> str:
    """One card key worth `days` (and `points` 点数) with a fresh random serial."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be 1..{MAX_DAYS}")
    if not 0 <= points <= MAX_POINTS:
        raise ValueError(f"points must be 0..{MAX_POINTS}")
    payload = _PAYLOAD.pack(VERSION, key_id(private_key.public_key()), serial or os.urandom(8), days, points)
    token = base64.urlsafe_b64encode(payload + private_key.sign(payload)).rstrip(b"=").decode()
    return PREFIX + token


def parse_card(text: str, public_key: Ed25519PublicKey) -> Card:
    """Check one key; raise CardError with the reason a person can act on."""
    text = text.strip()
    body = text[len(PREFIX):] if text.startswith(PREFIX) else ""
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)) if body.isascii() else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != _PAYLOAD.size + _SIGNATURE:
        raise CardError(MALFORMED)
    payload, signature = raw[:_PAYLOAD.size], raw[_PAYLOAD.size:]
    version, signer, serial, days, points = _PAYLOAD.unpack(payload)
    if version != VERSION:
        raise CardError("卡密版本不受支持，请升级软件")
    if signer != key_id(public_key):
        raise CardError("不是本软件的卡密（签发密钥不符）")
    try:
        public_key.verify(signature, payload)
    except InvalidSignature:
        raise CardError("卡密无效（内容被改动，签名不符）") from None
    if not 1 <= days <= MAX_DAYS or points > MAX_POINTS:
        raise CardError(MALFORMED)
    return Card(text, serial.hex(), days, points)


@dataclass(frozen=True)
class Line:
    number: int  # 1-based line of the paste
    text: str  # as shown (a very long line cut)
    card: Card | None
    error: str = ""


def read_lines(text: str, public_key: Ed25519PublicKey) -> list[Line]:
    """Each non-empty line of a paste, checked on its own."""
    lines = [(n, line.strip()) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    if len(lines) > MAX_LINES:
        raise FieldError("keys", f"一次最多粘贴 {MAX_LINES} 个卡密")
    read = []
    for number, line in lines:
        if len(line) > MAX_LINE:
            read.append(Line(number, line[:MAX_LINE] + "…", None, MALFORMED))
            continue
        try:
            read.append(Line(number, line, parse_card(line, public_key)))
        except CardError as exc:
            read.append(Line(number, line, None, str(exc)))
    return read


def recognise(lines: list[Line], needed: int, used: Collection[str]) -> Recognition:
    """Give the `needed` shops one valid key each, in paste order; `used` holds the serials already spent."""
    result, seen = Recognition(needed), set()
    for line in lines:
        card = line.card
        if card is None:
            reason = line.error
        elif card.serial in used:
            reason = "卡密已使用过"
        elif card.serial in seen:
            reason = "重复的卡密（本次已填过）"
        elif len(result.cards) >= needed:
            reason = "卡密多于勾选的店铺（每个店铺一个），本次不使用"
        else:
            reason = ""
            result.cards.append(card)
        if card is not None:
            seen.add(card.serial)
        if reason:
            result.problems.append(Problem(line.number, line.text, reason))
    return result


def check_batch(text: str, needed: int, public_key: Ed25519PublicKey) -> Recognition:
    """A paste recognised against the serials already redeemed."""
    lines = read_lines(text, public_key)
    serials = [line.card.serial for line in lines if line.card is not None]
    spent = set(RedeemedCard.select(RedeemedCard.serial).where(RedeemedCard.serial.in_(serials)).scalars()) \
        if serials else set()
    return recognise(lines, needed, spent)


# -- service time ------------------------------------------------------------------------------

def service_until(shop: Shop) -> datetime:
    """A shop's 截止日期; without one, the trial counted from when the shop was added."""
    if shop.service_until is not None:
        return shop.service_until
    return shop.created_at + timedelta(days=get_setting("billing.trial_days"))


def in_service(shop: Shop, now: datetime | None = None) -> bool:
    """The one 已到期 rule: fetching, 自动采购 and 自动发货 run only for a shop in service."""
    return (now or datetime.now()) < service_until(shop)


def in_service_ids(shops: Iterable[Shop], now: datetime | None = None) -> list[int]:
    now = now or datetime.now()
    return [shop.id for shop in shops if in_service(shop, now)]


def expired_reason(shop: Shop, now: datetime | None = None) -> str:
    """Why a shop does nothing on its own, for its 店铺管理 row and 充值中心 ("" while in service)."""
    if in_service(shop, now):
        return ""
    return f"服务已到期（截止 {service_until(shop):%Y-%m-%d %H:%M}）：{EXPIRED_EFFECT}"


def trial_until(now: datetime | None = None) -> datetime:
    """The 截止日期 a shop added now gets."""
    return (now or datetime.now()) + timedelta(days=get_setting("billing.trial_days"))


def extended_until(current: datetime, now: datetime, days: int) -> datetime:
    """A card adds its days to what is left, or to now for a shop already 已到期."""
    return max(current, now) + timedelta(days=days)


def assign(shops: list[Shop], batch: Recognition) -> list[tuple[Shop, Card]]:
    """Which key goes to which shop: shops in table order (by id), keys in paste order."""
    return list(zip(sorted(shops, key=lambda s: s.id), batch.cards, strict=False))


def redeem(shops: list[Shop], text: str, public_key: Ed25519PublicKey, user: User | None,
           now: datetime | None = None) -> Recognition:
    """确定充值: one key per shop (paste order, shops by id), all or nothing."""
    now = now or datetime.now()
    if not shops:
        raise FieldError("shop_ids", "请先勾选要充值的店铺")
    try:
        with db.atomic():
            batch = check_batch(text, len(shops), public_key)
            if not batch.ready:
                raise FieldError("keys", f"{batch.summary}，请补齐后再确定充值")
            for shop, card in assign(shops, batch):
                current = Shop.get_by_id(shop.id)
                until = extended_until(service_until(current), now, card.days)
                RedeemedCard.create(serial=card.serial, shop=shop.id, days=card.days, points=card.points,
                                    user=user, service_until=until, at=now)
                Shop.update(service_until=until, points=Shop.points + card.points).where(Shop.id == shop.id).execute()
    except IntegrityError:  # another session spent one of these keys first
        raise UserError("有卡密刚刚已被使用，本次没有充值，请重新识别") from None
    return batch
