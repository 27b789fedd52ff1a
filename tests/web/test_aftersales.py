"""店铺售后 pages: tabs with counts, colours (查看 marks viewed), 备注, 移除, 同步状态, 自动售后设置 (bad
minutes refused, all or nothing), 自动售后日志, and an employee's scope and permissions."""
from __future__ import annotations

from contextlib import nullcontext

import lxml.html
import pytest

from dropship.db import db
from dropship.models import AftersaleLog, Dispute, Job, Order
from dropship.platforms.base import RemoteDispute
from dropship.services import aftersales
from dropship.services.settings import get_setting
from dropship.tasks import aftersales as aftersale_tasks
from tests.helpers import become_employee, post
from tests.orders_factory import buy, make_account, make_dispute, make_order, make_shop


@pytest.fixture
def desk(signed_in):
    with db.connection_context():
        shop, other = make_shop("好物小店"), make_shop("别家小店")
        order = make_order(shop, titles=("保温杯",))
        buy(order, account=make_account(), state="paid", status="paid", platform_order_id="261120-000000000000001")
        cases = {
            "refund": make_dispute(shop, order, detail_url="https://myseller.taobao.com/refund-list/detail?id=1"),
            "return": make_dispute(shop, make_order(shop), kind="return_refund", supplier_refund_id="S1",
                                   supplier_refund_kind="return_refund", supplier_refund_status="wait_buyer_return",
                                   supplier_return_address="上家仓库 张三 13800000000"),
            "done": make_dispute(shop, make_order(shop), status="success"),
            "complaint": make_dispute(shop, make_order(shop), kind="complaint"),
            "elsewhere": make_dispute(other, make_order(other)),
        }
    return {"shop": shop, "other": other, **cases}


def doc(client, path: str):
    response = client.get(path)
    assert response.status_code == 200, path
    return lxml.html.fromstring(response.get_data(as_text=True))


def tab_counts(page) -> dict[str, str]:
    return {a.get("data-tab"): a.xpath("span[@class='count']")[0].text for a in page.xpath("//nav[@aria-label='售后分类']/a")}


def test_tabs_count_and_list_their_cases(signed_in, desk):
    page = doc(signed_in, "/aftersales")
    assert tab_counts(page) == {"refund_only": "2", "return_refund": "1", "refunded": "1", "complaint": "1"}
    rows = page.xpath("//tbody/tr[starts-with(@id, 'dispute-')]")
    assert {r.get("id") for r in rows} == {f"dispute-{desk['refund'].id}", f"dispute-{desk['elsewhere'].id}"}
    row = page.get_element_by_id(f"dispute-{desk['refund'].id}")
    text = row.text_content()
    assert "保温杯" in text and "待处理" in text and "261120-000000000000001" in text and "25.90" in text
    assert row.xpath(".//a[text()='打开后台']")[0].get("href") == "https://myseller.taobao.com/refund-list/detail?id=1"
    returned = doc(signed_in, "/aftersales?tab=return_refund").get_element_by_id(f"dispute-{desk['return'].id}")
    assert "到店铺后台填写上家退货地址" in returned.text_content()  # rule 5's to-do
    assert doc(signed_in, "/aftersales?tab=refunded").xpath(f"//tr[@id='dispute-{desk['done'].id}']")


def test_viewing_a_case_turns_it_from_red_to_yellow_and_handled_ones_have_no_colour(signed_in, desk):
    row_id = f"dispute-{desk['refund'].id}"
    assert "dispute-red" in doc(signed_in, "/aftersales").get_element_by_id(row_id).get("class")
    html = signed_in.get(f"/aftersales/{desk['refund'].id}").get_data(as_text=True)
    assert "dispute-yellow" in html and 'hx-swap-oob="true"' in html  # the row repaints itself
    assert "dispute-yellow" in doc(signed_in, "/aftersales").get_element_by_id(row_id).get("class")
    done = doc(signed_in, "/aftersales?tab=refunded").get_element_by_id(f"dispute-{desk['done'].id}")
    assert not done.get("class")


def test_memo_saves_and_refuses_too_long_text(signed_in, desk):
    url = f"/aftersales/{desk['refund'].id}/memo"
    bad = post(signed_in, url, {"memo": "长" * 201}, token_page="/aftersales")
    assert bad.status_code == 400 and "备注最多 200 个字" in bad.get_data(as_text=True)
    ok = post(signed_in, url, {"memo": "已联系买家"}, token_page="/aftersales")
    assert ok.status_code == 200 and "已联系买家" in ok.get_data(as_text=True)
    with db.connection_context():
        assert Dispute.get_by_id(desk["refund"].id).memo == "已联系买家"


def test_remove_hides_the_case_and_sync_rereads_it_in_a_job(signed_in, desk, monkeypatch):
    class Seller:
        def dispute_detail(self, dispute_id):
            with db.connection_context():
                row = Dispute.get(Dispute.dispute_id == dispute_id)
            return RemoteDispute(dispute_id, row.tid, row.oid, row.kind, "closed", "退款关闭", row.amount, row.reason,
                                 row.created_at, row.updated_at)

    monkeypatch.setattr(aftersale_tasks, "open_shop_backend", lambda shop: nullcontext(Seller()))
    assert post(signed_in, f"/aftersales/{desk['refund'].id}/remove", token_page="/aftersales").status_code == 200
    assert tab_counts(doc(signed_in, "/aftersales"))["refund_only"] == "1"
    assert signed_in.get(f"/aftersales/{desk['refund'].id}").status_code == 404
    with db.connection_context():
        Job.delete().execute()
    answer = post(signed_in, f"/aftersales/{desk['elsewhere'].id}/sync", token_page="/aftersales")
    assert answer.status_code == 200 and "jobs-changed" in answer.headers["HX-Trigger"]
    with db.connection_context():
        [job] = Job.select()
        assert (job.kind, job.state, job.message) == ("sync_dispute", "done", "售后状态：退款关闭")
        assert Dispute.get_by_id(desk["elsewhere"].id).status == "closed"


def _rules_form(**changes) -> dict[str, str]:
    form = {aftersales.on_key(2): "1", aftersales.minutes_key(2): "15", aftersales.minutes_key(3): "30",
            aftersales.minutes_key(4): "30", aftersales.minutes_key(5): "60", aftersales.on_key(3): "1",
            aftersales.agree_key(3): "1", aftersales.CAP_KEY: "300"}
    return {**form, **changes}


def test_rules_save_all_or_nothing_and_refuse_bad_minutes(signed_in, desk):
    dialog = doc(signed_in, "/aftersales/rules")
    text = dialog.text_content()
    assert "每次需要在“店铺管理”下点击“开始获取”方可执行" in text
    assert "仅退款，未采购。" in text and "全部采购平台（只在店铺操作）" in text
    assert post(signed_in, "/aftersales/rules", _rules_form(), token_page="/aftersales").status_code == 200
    with db.connection_context():
        saved = aftersales.load_rules()
    assert saved.on == frozenset({2, 3}) and saved.agree == frozenset({3}) and saved.daily_cap == 30000
    assert dict(saved.minutes)[2] == 15
    for bad in ("-1", "10081", "abc"):
        answer = post(signed_in, "/aftersales/rules", _rules_form(**{aftersales.minutes_key(3): bad,
                                                                      aftersales.on_key(7): "1"}),
                      token_page="/aftersales")
        assert answer.status_code == 400
        assert "请输入 0 到 10080 之间的整数" in answer.get_data(as_text=True)
    with db.connection_context():
        assert aftersales.load_rules() == saved  # nothing of the refused form was stored
        assert get_setting(aftersales.on_key(7)) is False


def test_the_log_lists_each_action_with_its_result(signed_in, desk):
    with db.connection_context():
        AftersaleLog.create(shop=desk["shop"], dispute=desk["refund"], tid=desk["refund"].tid, rule=2, action="agree",
                            amount=2590, ok=True, reason="已同意买家退款 25.90 元")
        AftersaleLog.create(shop=desk["other"], dispute=desk["elsewhere"], tid=desk["elsewhere"].tid, rule=3,
                            action="supplier_refund", ok=False, reason="淘宝采购单暂不支持自动售后，请到上家手动处理")
    rows = [r.text_content() for r in doc(signed_in, "/aftersales/log").xpath("//tbody/tr")]
    assert len(rows) == 2
    assert "成功" in rows[1] and "同意买家退款" in rows[1] and "好物小店" in rows[1]
    assert "失败" in rows[0] and "暂不支持自动售后" in rows[0]


def test_an_employee_sees_granted_shops_only_and_only_granted_actions(signed_in, desk):
    become_employee(signed_in, ["aftersales"], shops=(desk["shop"],))
    page = doc(signed_in, "/aftersales")
    assert tab_counts(page)["refund_only"] == "1"
    assert not page.xpath("//button[contains(., '自动售后设置')]") and not page.xpath("//button[text()='移除']")
    assert signed_in.get(f"/aftersales/{desk['elsewhere'].id}").status_code == 404
    assert post(signed_in, f"/aftersales/{desk['refund'].id}/remove", token_page="/aftersales").status_code == 403
    assert signed_in.get("/aftersales/rules").status_code == 403
    with db.connection_context():
        assert Order.select().count() == 5
