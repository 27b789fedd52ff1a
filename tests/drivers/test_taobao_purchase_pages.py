"""The 淘宝 buyer driver loads each page of a purchase once (tests/benchmarks/test_purchase_bench.py found
the reloads to be a third of a purchase's page loads): the item page open_item loaded is bought on, the
已买到的宝贝 page serves the snapshot and the diff, the read before paying and the payment share one
detail page, and the read after paying is the page the cashier returned to."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta
from urllib.parse import urlsplit

from dropship.platforms.origins import Origins
from dropship.platforms.taobao_buyer import BOUGHT_PATH, TaobaoBuyer
from dropship.services.purchasing.matching import Found

from .buying import RECEIVER, buy, log_in, stocked_item

PAY = "246810"


def test_one_purchase_loads_the_item_list_and_detail_pages_once_each(sb, context):
    log_in(sb, context, "taobao", "tb_pages", pay_password=PAY)
    buyer = TaobaoBuyer(context, Origins(sb.port), "taobao")
    item = stocked_item(sb, "taobao", min_skus=0)
    sku = item["skus"][-1]
    loads: Counter[str] = Counter()
    context.on("request", lambda r: loads.update([urlsplit(r.url).path])
               if r.is_navigation_request() and r.frame.parent_frame is None else None)

    buyer.open_item(item["url"])  # the purchase task's order of calls: open, snapshot, fill, submit, diff
    _, found = buy(sb, buyer, item, sku, 1, RECEIVER, "DS#PAGES", sb.now() - timedelta(days=1))
    assert isinstance(found, Found), found
    order_id = found.order.order_id
    assert buyer.order_detail(order_id).status == "unpaid"  # the read before paying
    buyer.pay(order_id, "alipay", "tb_pages", PAY)
    assert buyer.order_detail(order_id).status == "paid"  # the read after paying
    assert sb.purchase_order(order_id)["state"] == "unshipped"

    assert loads["/item.htm"] == 1 and loads[BOUGHT_PATH] == 1
    assert loads["/trade/detail/trade_item_detail.htm"] == 2  # read + pay, then the cashier's return
    buyer.order_detail(order_id)  # another read is a new load: only the cashier's return is taken as read
    assert loads["/trade/detail/trade_item_detail.htm"] == 3
