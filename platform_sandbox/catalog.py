"""The goods: supplier products and the shop listings that resell them.

A product family is a base title, SKU dimensions and a cost range. Suppliers on 拼多多 / 1688 /
淘宝 / 天猫 list each family; a seller shop lists a family again at a mark-up, keyed by a 商家编码
that names the supplier item (``pdd-<goods_id>``), which is how dropship sellers remember links.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

from . import ids
from .clock import rng
from .models import Item, Shop, Sku


@dataclass(frozen=True)
class Family:
    title: str
    dims: tuple[tuple[str, tuple[str, ...]], ...]
    cost: tuple[int, int]  # supplier price range in yuan


FAMILIES: tuple[Family, ...] = (
    Family("鞋袜除臭喷雾剂 去脚臭异味 速干除臭香水", (("规格", ("1瓶280ml", "2瓶装", "3瓶装")),), (6, 15)),
    Family("玻璃泡酒瓶 家用无铅带龙头 密封泡酒坛", (("容量", ("5斤", "10斤", "20斤")), ("款式", ("普通盖", "铜龙头"))), (25, 60)),
    Family("男士遮阳帽 夏季薄款透气网帽 鸭舌帽", (("颜色分类", ("黑色", "白色", "卡其色", "藏青")), ("尺码", ("可调节",))), (6, 12)),
    Family("电动车LED大灯泡 内置远近光 超亮射灯", (("颜色分类", ("白光", "黄光")), ("规格", ("两爪", "三爪"))), (12, 25)),
    Family("377vc冻干粉睡眠面膜 免洗补水保湿 夜间修复", (("规格", ("5盒装", "10盒装")),), (25, 70)),
    Family("适用苹果15手机壳 透明防摔 硅胶软壳", (("适用型号", ("iPhone15", "iPhone15Pro", "iPhone15ProMax", "iPhone14")), ("颜色分类", ("透明", "磨砂黑"))), (3, 9)),
    Family("6A超级快充数据线 Type-C 快充线", (("长度", ("1米", "1.5米", "2米")), ("颜色分类", ("白色", "黑色"))), (3, 10)),
    Family("桌面收纳盒 抽屉式 学生文具整理盒", (("颜色分类", ("白色", "粉色", "绿色")), ("规格", ("单层", "双层", "三层"))), (9, 30)),
    Family("夏季浴室拖鞋 女 防滑 家用 EVA厚底", (("颜色分类", ("粉色", "灰色", "蓝色")), ("尺码", ("36-37", "38-39", "40-41", "42-43"))), (6, 14)),
    Family("纯棉中筒袜子 男 秋冬 防臭吸汗", (("颜色分类", ("黑色10双", "混色10双", "白色10双")),), (10, 22)),
    Family("纯棉短袖T恤 男 宽松 夏季 半袖打底衫", (("颜色分类", ("白色", "黑色", "灰色")), ("尺码", ("M", "L", "XL", "XXL"))), (12, 30)),
    Family("316不锈钢保温杯 大容量 便携水杯", (("颜色分类", ("白色", "黑色", "粉色")), ("容量", ("500ml", "750ml"))), (15, 40)),
    Family("加厚垃圾袋 家用手提式 背心式", (("规格", ("5卷100只", "10卷200只")),), (5, 12)),
    Family("懒人抹布 干湿两用 厨房洗碗巾 不沾油", (("规格", ("20片", "50片")),), (4, 10)),
    Family("防滑衣架 无痕 家用晾衣架", (("规格", ("20个装", "40个装")), ("颜色分类", ("灰色", "白色"))), (9, 25)),
    Family("豆腐猫砂 除臭无尘 6L", (("规格", ("6L一包", "6L四包")), ("味道", ("原味", "绿茶", "水蜜桃"))), (9, 40)),
    Family("无线蓝牙耳机 半入耳式 超长续航 降噪", (("颜色分类", ("白色", "黑色")), ("版本", ("标准版", "旗舰版"))), (25, 70)),
    Family("车载手机支架 出风口 重力感应导航架", (("规格", ("出风口款", "吸盘款")),), (7, 18)),
    Family("全自动雨伞 晴雨两用 折叠防晒遮阳伞", (("颜色分类", ("黑胶藏青", "黑胶酒红", "黑胶墨绿")),), (12, 28)),
    Family("护手霜 保湿滋润 防干裂 小支便携", (("规格", ("5支装", "10支装")), ("香型", ("樱花", "玫瑰", "牛奶"))), (6, 18)),
    Family("软毛牙刷 成人家庭装 细毛护龈", (("规格", ("10支装", "20支装")),), (6, 15)),
    Family("纯棉床单 单件 学生宿舍", (("颜色分类", ("灰格", "蓝格", "粉格")), ("尺寸", ("1.5x2.3m", "2.0x2.3m", "2.3x2.5m"))), (20, 50)),
    Family("冰丝凉席三件套 可水洗 折叠", (("颜色分类", ("浅灰", "天蓝", "樱粉")), ("尺寸", ("1.5m床", "1.8m床"))), (30, 80)),
    Family("儿童积木 大颗粒拼装 益智玩具3-6岁", (("规格", ("120颗", "240颗")),), (15, 45)),
    Family("钢化膜 适用苹果 全屏覆盖 高清防摔", (("适用型号", ("iPhone15", "iPhone14", "iPhone13")), ("规格", ("2片装", "3片装"))), (2, 8)),
    Family("电蚊香液 无味 婴儿孕妇 家用驱蚊", (("规格", ("4液1器", "6液2器")),), (9, 22)),
    Family("洗衣凝珠 持久留香 浓缩家庭装", (("规格", ("52颗", "104颗")),), (12, 30)),
    Family("运动短裤 男 夏季 速干宽松 五分裤", (("颜色分类", ("黑色", "灰色", "蓝色")), ("尺码", ("L", "XL", "XXL", "3XL"))), (10, 25)),
)

_SHOP_PREFIXES = ("", "【包邮】", "2024新款 ", "工厂直销 ", "爆款 ", "热卖 ", "现货速发 ")
_SHOP_SUFFIXES = ("", " 包邮", " 正品", " 送运费险", " 特价", " 家用")
_SUPPLIER_TAGS = {"pdd": "【百亿补贴】", "alibaba1688": "厂家批发 ", "taobao": "", "tmall": "官方旗舰 "}
OUTER_ID_PREFIX = {"pdd": "pdd", "alibaba1688": "1688", "taobao": "tb", "tmall": "tm", "taote": "tb"}

SUPPLIER_PLATFORMS = ("pdd", "pdd", "pdd", "alibaba1688", "alibaba1688", "taobao", "taobao", "tmall")


def _pic(platform: str, rnd: random.Random) -> str:
    key = f"{rnd.getrandbits(48):012x}"
    if platform == "pdd":
        return f"https://img.pddpic.com/gaudit-image/2024-01-01/{key}.jpeg"
    if platform == "alibaba1688":
        return f"https://cbu01.alicdn.com/img/ibank/O1CN01{key}.jpg"
    return f"//img.alicdn.com/bao/uploaded/i1/O1CN01{key}_!!0-item_pic.jpg"


def _yuan_to_fen(yuan: float) -> int:
    """Prices end in .90 / .80 / .00 like real listings."""
    return max(100, int(yuan) * 100 + (90, 80, 0, 50)[int(yuan * 7) % 4])


def create_supplier_shops() -> list[Shop]:
    from .people import company_name  # people needs Faker; imported late to keep this module light

    shops = []
    for n, platform in enumerate(SUPPLIER_PLATFORMS):
        shops.append(Shop.create(platform=platform, kind="supplier", name=company_name(rng("supplier", n)),
                                 seller_uid=ids.user_id()))
    return shops


def list_supplier_products(shops: list[Shop]) -> None:
    """Each family is sold by one or two suppliers, at slightly different prices."""
    for f_index, family in enumerate(FAMILIES):
        rnd = rng("family", f_index)
        for shop in rnd.sample(shops, rnd.choice((1, 1, 2))):
            _create_supplier_item(shop, family, rnd)


def _create_supplier_item(shop: Shop, family: Family, rnd: random.Random) -> Item:
    base = rnd.uniform(*family.cost)
    item = Item.create(shop=shop, item_id=ids.item_id(), title=_SUPPLIER_TAGS[shop.platform] + family.title,
                       pic=_pic(shop.platform, rnd), price_fen=_yuan_to_fen(base))
    names = [name for name, _ in family.dims]
    for step, values in enumerate(itertools.product(*(vals for _, vals in family.dims))):
        Sku.create(item=item, sku_id=ids.sku_id(), props=[{"name": n, "value": v} for n, v in zip(names, values, strict=True)],
                   price_fen=_yuan_to_fen(base * (1 + 0.12 * step)), stock=rnd.choice((0, 5, 50, 200, 999, 999, 999)))
    return item


def stock_shop(shop: Shop, count: int) -> list[Item]:
    """List ``count`` supplier products in a seller shop, marked up, with 商家编码 naming the source."""
    rnd = rng("stock", shop.id)
    sources = list(Item.select().join(Shop).where(Shop.kind == "supplier").order_by(Item.id))
    listed = []
    for source in rnd.sample(sources, min(count, len(sources))):
        markup = rnd.uniform(1.25, 1.6)
        title = rnd.choice(_SHOP_PREFIXES) + source.title.removeprefix(_SUPPLIER_TAGS[source.shop.platform]) \
            + rnd.choice(_SHOP_SUFFIXES)
        item = Item.create(shop=shop, item_id=ids.item_id(), title=title.strip(), pic=_pic(shop.platform, rnd),
                           price_fen=_yuan_to_fen(source.price_fen / 100 * markup),
                           outer_id=f"{OUTER_ID_PREFIX[source.shop.platform]}-{source.item_id}", source=source)
        for sku in source.skus.order_by(Sku.id):
            Sku.create(item=item, sku_id=ids.sku_id(), props=sku.props,
                       price_fen=_yuan_to_fen(sku.price_fen / 100 * markup), source=sku)
        listed.append(item)
    return listed

