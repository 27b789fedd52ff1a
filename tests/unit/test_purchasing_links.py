"""下单链接: every PC / mobile / share-text variant of one supplier item reduces to one canonical link."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dropship.errors import FieldError
from dropship.services.purchasing.links import BAD_HOST, NO_ID, SHORT_LINK, normalise_link

ITEM = "191897976"
TAOBAO = ("taobao", ITEM, f"https://item.taobao.com/item.htm?id={ITEM}")
TMALL = ("tmall", "146599199", "https://detail.tmall.com/item.htm?id=146599199")
TAOTE = ("taote", ITEM, f"https://item.taobao.com/item.htm?id={ITEM}")
ALIBABA = ("alibaba1688", "612345678901", "https://detail.1688.com/offer/612345678901.html")
PDD = ("pdd", "10982537", "https://mobile.yangkeduo.com/goods.html?goods_id=10982537")

VARIANTS = {
    TAOBAO: [
        f"https://item.taobao.com/item.htm?id={ITEM}",
        f"http://item.taobao.com/item.htm?spm=a1z10.1-c.w4004.1&id={ITEM}&ns=1&abbucket=8",
        f"item.taobao.com/item.htm?id={ITEM}",
        f"//item.taobao.com/item.htm?id={ITEM}",
        f"https://h5.m.taobao.com/awp/core/detail.htm?id={ITEM}&ut_sk=1.X",
        f"https://m.intl.taobao.com/detail/detail.html?id={ITEM}",
        f"https://a.m.taobao.com/i{ITEM}.htm?sid=abc",
        f"https://world.taobao.com/item/{ITEM}.htm",
        f"https://market.m.taobao.com/app/tao-detail/index.html?id={ITEM}",
        f"HTTPS://ITEM.TAOBAO.COM/item.htm?id={ITEM}#detail",
        f"ｈｔｔｐｓ：／／item.taobao.com/item.htm?id={ITEM}",  # typed with a Chinese input method
        f"【淘宝】好物推荐 https://item.taobao.com/item.htm?id={ITEM}&sourceType=item 点击链接直接打开",
    ],
    TMALL: [
        "https://detail.tmall.com/item.htm?id=146599199",
        "https://detail.tmall.com/item.htm?spm=a230r.1.14.6&id=146599199&skuId=4330&ali_refid=x",
        "https://detail.m.tmall.com/item.htm?id=146599199&ft=t",
        "https://chaoshi.detail.tmall.com/item.htm?id=146599199",
        "https://detail.tmall.hk/hk/item.htm?id=146599199",
    ],
    TAOTE: [
        f"https://h5.ltao.com/app/ltao-detail/index.html?id={ITEM}",
        f"https://m.ltao.com/detail?itemId={ITEM}&from=share",
    ],
    ALIBABA: [
        "https://detail.1688.com/offer/612345678901.html",
        "https://detail.1688.com/offer/612345678901.html?spm=a26352.13672862.offerlist.1&tracelog=p4p",
        "https://m.1688.com/offer/612345678901.html?sk=consign",
        "https://detail.m.1688.com/page/index.html?offerId=612345678901&sortType=",
    ],
    PDD: [
        "https://mobile.yangkeduo.com/goods.html?goods_id=10982537",
        "https://mobile.yangkeduo.com/goods2.html?goods_id=10982537&_wvx=10&page_from=23",
        "https://mobile.yangkeduo.com/goods1.html?_wv=41729&goods_id=10982537&refer_share_id=abc",
        "https://mobile.pinduoduo.com/goods.html?goods_id=10982537",
        "https://yangkeduo.com/goods.html?goods_id=10982537",
        "【拼多多】 3元无门槛 https://mobile.yangkeduo.com/goods.html?goods_id=10982537&share_uin=X 复制打开",
    ],
}


@pytest.mark.parametrize("expected,text", [(e, t) for e, texts in VARIANTS.items() for t in texts])
def test_every_variant_reduces_to_one_canonical_link(expected, text):
    assert normalise_link(text) == expected


@pytest.mark.parametrize("expected", list(VARIANTS))
def test_the_canonical_link_is_a_fixed_point(expected):
    assert normalise_link(expected[2])[1:] == expected[1:]


@given(params=st.lists(st.tuples(st.sampled_from(["spm", "ali_trackid", "pvid", "scm", "ns", "abbucket", "utm_source"]),
                                 st.text(alphabet="abcdefghijk0123456789._-", min_size=0, max_size=12)),
                       max_size=5),
       position=st.integers(min_value=0, max_value=5))
def test_tracking_parameters_in_any_order_are_dropped(params, position):
    pairs = [f"{k}={v}" for k, v in params]
    pairs.insert(min(position, len(pairs)), f"id={ITEM}")
    assert normalise_link("https://item.taobao.com/item.htm?" + "&".join(pairs)) == TAOBAO


@pytest.mark.parametrize("text,message", [
    ("", "请粘贴商品链接"),
    ("   ", "请粘贴商品链接"),
    ("好东西", BAD_HOST),
    ("https://www.jd.com/item/123456.html", BAD_HOST),
    (f"https://taobao.com.evil.cn/item.htm?id={ITEM}", BAD_HOST),  # a lookalike host
    (f"https://eviltaobao.com/item.htm?id={ITEM}", BAD_HOST),
    (f"https://evil.example/?next=item.taobao.com/item.htm?id={ITEM}", BAD_HOST),
    ("https://m.tb.cn/h.5abcDEF", SHORT_LINK),
    ("https://p.pinduoduo.com/AbCdEf", SHORT_LINK),
    ("https://item.taobao.com/item.htm?spm=x", NO_ID),
    ("https://item.taobao.com/item.htm?id=abc", NO_ID),
    ("https://mobile.yangkeduo.com/goods.html?id=10982537", NO_ID),
    ("https://detail.1688.com/offer/xyz.html", NO_ID),
])
def test_anything_else_is_refused_with_a_chinese_message(text, message):
    with pytest.raises(FieldError) as caught:
        normalise_link(text)
    assert caught.value.field == "url" and str(caught.value) == message
