"""Made-up buyers: names, phones, nicks and receiver addresses (Faker zh_CN, seeded per use).

Faker's own province/city/district are drawn independently (杭州市 in 河北省), so places come
from a small consistent region table and Faker supplies names, phones and street names.
"""
from __future__ import annotations

import random
import threading
from dataclasses import dataclass

from faker import Faker

_faker = Faker("zh_CN")
_faker_lock = threading.Lock()  # one Faker for every sandbox in the process; seeding + drawing must not interleave

REGIONS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("浙江省", "杭州市", ("西湖区", "拱墅区", "滨江区", "余杭区", "萧山区"), "310000"),
    ("浙江省", "宁波市", ("海曙区", "鄞州区", "北仑区"), "315000"),
    ("浙江省", "金华市", ("婺城区", "义乌市", "东阳市"), "321000"),
    ("江苏省", "苏州市", ("姑苏区", "吴中区", "昆山市", "工业园区"), "215000"),
    ("江苏省", "南京市", ("玄武区", "鼓楼区", "江宁区"), "210000"),
    ("广东省", "广州市", ("天河区", "白云区", "番禺区", "海珠区"), "510000"),
    ("广东省", "深圳市", ("南山区", "宝安区", "龙岗区", "福田区"), "518000"),
    ("广东省", "肇庆市", ("端州区", "鼎湖区", "四会市"), "526000"),
    ("北京市", "北京市", ("朝阳区", "海淀区", "丰台区", "昌平区"), "100000"),
    ("上海市", "上海市", ("浦东新区", "闵行区", "徐汇区", "宝山区"), "200000"),
    ("四川省", "成都市", ("武侯区", "锦江区", "成华区", "双流区"), "610000"),
    ("湖北省", "武汉市", ("洪山区", "江汉区", "武昌区"), "430000"),
    ("湖南省", "长沙市", ("岳麓区", "雨花区", "开福区"), "410000"),
    ("山东省", "济南市", ("历下区", "槐荫区", "历城区"), "250000"),
    ("山东省", "青岛市", ("市南区", "崂山区", "黄岛区"), "266000"),
    ("河南省", "郑州市", ("金水区", "二七区", "中原区"), "450000"),
    ("福建省", "厦门市", ("思明区", "湖里区", "集美区"), "361000"),
    ("安徽省", "合肥市", ("蜀山区", "包河区", "瑶海区"), "230000"),
    ("陕西省", "西安市", ("雁塔区", "碑林区", "未央区"), "710000"),
    ("甘肃省", "兰州市", ("城关区", "七里河区", "安宁区"), "730000"),
    ("辽宁省", "沈阳市", ("和平区", "沈河区", "铁西区"), "110000"),
    ("重庆市", "重庆市", ("渝中区", "江北区", "九龙坡区"), "400000"),
    ("广西壮族自治区", "南宁市", ("青秀区", "兴宁区", "西乡塘区"), "530000"),
    ("河北省", "石家庄市", ("长安区", "桥西区", "裕华区"), "050000"),
)
TOWNS = ("城关街道", "新华街道", "人民路街道", "东风街道", "解放街道", "文化路街道", "城南街道", "长江路街道")
_ESTATES = ("阳光花园", "锦绣家园", "幸福小区", "翠苑", "金色家园", "丽景苑", "望江公寓", "和谐新村")
_MESSAGES = ("请尽快发货，谢谢", "不要放发票", "发中通快递", "周末不在家，请放快递柜", "送人的，不要放价格单",
             "麻烦包装好一点", "能不能今天发货？", "颜色发错了要退的，请仔细核对")


@dataclass(frozen=True)
class Receiver:
    name: str
    mobile: str
    province: str
    city: str
    district: str
    town: str
    address: str
    zip: str


def receiver(rnd: random.Random) -> Receiver:
    province, city, districts, zip_code = rnd.choice(REGIONS)
    with _faker_lock:
        _faker.seed_instance(rnd.getrandbits(32))
        name, mobile, street = _faker.name(), _faker.phone_number(), _faker.street_name()
    address = f"{street}{rnd.randint(1, 999)}号{rnd.choice(_ESTATES)}{rnd.randint(1, 30)}栋{rnd.randint(1, 6)}单元{rnd.randint(101, 2804)}室"
    return Receiver(name, mobile, province, city, rnd.choice(districts), rnd.choice(TOWNS), address, zip_code)


def buyer_nick(rnd: random.Random) -> str:
    """Most Taobao buyers keep the default ``tb`` + digits nick; the rest pick a handle."""
    if rnd.random() < 0.6:
        return f"tb{rnd.randrange(10**8, 10**11)}"
    with _faker_lock:
        _faker.seed_instance(rnd.getrandbits(32))
        return f"{_faker.user_name()}{rnd.randrange(100, 9999)}"


def buyer_message(rnd: random.Random) -> str:
    return rnd.choice(_MESSAGES) if rnd.random() < 0.25 else ""


def company_name(rnd: random.Random) -> str:
    with _faker_lock:
        _faker.seed_instance(rnd.getrandbits(32))
        return _faker.company()


def phone(rnd: random.Random) -> str:
    with _faker_lock:
        _faker.seed_instance(rnd.getrandbits(32))
        return _faker.phone_number()


def mask_name(name: str) -> str:
    return name[0] + "*" * max(1, len(name) - 1)


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:]
