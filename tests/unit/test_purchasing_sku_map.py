"""规格对应 and 下单链接 memory: the mapped supplier SKU × multiplier, 供应商规格已变更, links per 商家编码."""
import pytest

from dropship.errors import FieldError, UserError
from dropship.models import SkuMapping, SupplierLink, User
from dropship.platforms.base import SupplierSku
from dropship.services.purchasing.links import delete_link, links_for, remember_link
from dropship.services.purchasing.sku_map import Plan, SkuChanged, mapping_for, plan, remember_mapping
from dropship.services.scope import Scope
from tests.orders_factory import make_order, make_shop, orders_app, orders_db  # noqa: F401

ALL = Scope.everything()
ONE_BOTTLE = SupplierSku("5001", "1 瓶", price=790, stock=30)
TWO_BOTTLES = SupplierSku("5002", "2 瓶", price=1490, stock=0)
SKUS = (ONE_BOTTLE, TWO_BOTTLES)


def rule(sku_id: str = "5001", multiplier: int = 2) -> SkuMapping:
    return SkuMapping(outer_id="X1", shop_sku="2 瓶装", platform="pdd", item_id="10982537", sku_id=sku_id,
                      sku_text="1 瓶", multiplier=multiplier)


def test_a_shop_sku_buys_the_mapped_supplier_sku_times_the_multiplier():
    assert plan(rule(), SKUS, 3) == Plan("5001", "1 瓶", 6)


def test_a_vanished_supplier_sku_stops_with_sku_changed():
    with pytest.raises(SkuChanged, match="供应商规格已变更：原来对应的「1 瓶」已不存在"):
        plan(rule(), (TWO_BOTTLES,), 1)


def test_a_sold_out_supplier_sku_stops():
    with pytest.raises(UserError, match="已售罄"):
        plan(rule("5002", 1), SKUS, 1)


def test_an_item_with_skus_needs_a_mapping_and_one_without_needs_none():
    with pytest.raises(UserError, match="规格对应"):
        plan(None, SKUS, 1)
    assert plan(None, (), 2) == Plan("", "", 2)


@pytest.mark.usefixtures("orders_db")
def test_a_mapping_is_remembered_replaced_and_checked():
    shop = make_shop()
    order = make_order(shop)
    outer_id = order.items[0].outer_id
    remember_mapping(ALL, outer_id, "颜色:黑色", "pdd", "10982537", ONE_BOTTLE, "2")
    remember_mapping(ALL, outer_id, "颜色:黑色", "pdd", "10982537", TWO_BOTTLES, 1)
    stored = mapping_for(outer_id, "颜色:黑色", "pdd", "10982537")
    assert (stored.sku_id, stored.multiplier, SkuMapping.select().count()) == ("5002", 1, 1)
    for bad in ("0", "100", "1.5", "两", ""):
        with pytest.raises(FieldError) as caught:
            remember_mapping(ALL, outer_id, "颜色:黑色", "pdd", "10982537", ONE_BOTTLE, bad)
        assert caught.value.field == "multiplier"
    with pytest.raises(FieldError):
        remember_mapping(ALL, outer_id, "颜色:黑色", "pdd", "10982537", SupplierSku("", "?"), 1)
    assert mapping_for(outer_id, "颜色:黑色", "pdd", "10982537").sku_id == "5002"


@pytest.mark.usefixtures("orders_db")
def test_links_are_remembered_once_per_item_newest_first_and_scoped():
    shop = make_shop()
    outer_id = make_order(shop).items[0].outer_id
    remember_link(ALL, outer_id, "https://mobile.yangkeduo.com/goods2.html?goods_id=10982537&_wvx=10")
    remember_link(ALL, outer_id, "https://mobile.pinduoduo.com/goods.html?goods_id=10982537", note="主货源")
    tmall = remember_link(ALL, outer_id, "https://detail.m.tmall.com/item.htm?id=146599199")
    assert SupplierLink.select().count() == 2
    assert [link.platform for link in links_for(ALL, outer_id)] == ["tmall", "pdd"]
    assert links_for(ALL, outer_id)[1].note == "主货源"
    main = User.create(username="13900000000", password_hash="x")
    stranger = User.create(username="13900000000:01", password_hash="x", role="employee", owner=main)
    assert links_for(Scope.of(stranger), outer_id) == []
    assert not delete_link(Scope.of(stranger), tmall.id)
    with pytest.raises(FieldError) as caught:
        remember_link(Scope.of(stranger), outer_id, "https://detail.tmall.com/item.htm?id=1234567")
    assert caught.value.field == "outer_id"
    assert delete_link(ALL, tmall.id) and SupplierLink.select().count() == 1


@pytest.mark.usefixtures("orders_db")
def test_a_bad_link_or_note_stores_nothing():
    outer_id = make_order(make_shop()).items[0].outer_id
    with pytest.raises(FieldError) as caught:
        remember_link(ALL, outer_id, "https://www.jd.com/item/1.html")
    assert caught.value.field == "url"
    with pytest.raises(FieldError) as caught:
        remember_link(ALL, outer_id, "https://detail.tmall.com/item.htm?id=146599199", note="长" * 101)
    assert caught.value.field == "note"
    with pytest.raises(FieldError) as caught:
        remember_link(ALL, "", "https://detail.tmall.com/item.htm?id=146599199")
    assert caught.value.field == "outer_id"
    assert SupplierLink.select().count() == 0
