from dropship.services.team import ALL_CODES, MAIN_ONLY, SIGNED_IN, can, normalize_grants


def test_main_account_may_do_everything():
    assert all(can(True, set(), code) for code in ALL_CODES | {MAIN_ONLY, SIGNED_IN})


def test_employee_needs_a_grant_and_never_gets_main_only():
    assert can(False, set(), SIGNED_IN)
    assert not can(False, set(), "orders")
    assert can(False, {"orders"}, "orders")
    assert not can(False, {"orders"}, "orders.purchase")
    assert not can(False, set(ALL_CODES), MAIN_ONLY)


def test_normalize_grants_adds_page_codes_and_drops_unknown():
    assert normalize_grants(["orders.purchase", "bogus", "stats.daily"]) == [
        "orders", "orders.purchase", "stats", "stats.daily"]


def test_manual_permission_labels_exist():
    from dropship.services.team import PERMISSION_LABELS

    for label in ["订单管理", "采购", "添加采购订单信息", "店铺管理", "开始获取", "打开后台", "授权登录",
                  "采购账号", "批量导入账号", "店铺售后", "自动售后设置", "利润统计", "日报表", "数据大屏", "设置"]:
        assert label in PERMISSION_LABELS.values()
