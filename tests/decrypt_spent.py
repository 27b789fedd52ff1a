"""For tests whose subject is not 地址解密: the 地址解密 job a fetch queues ends at once, without the
shop's browser. A platform quota of 0 (the sandbox's `decrypt_quota_zero`) still cost that job a browser
start, a login and a request before it failed; today's allowance of a capped route spent, it never opens one."""
from __future__ import annotations

from dropship.services.settings import set_setting
from dropship.services.shops import DECRYPT_POLICIES, bump_daily

CAPPED_ROUTE = 2


def spend_todays_decrypts(shop_id: int) -> None:
    cap = DECRYPT_POLICIES[CAPPED_ROUTE].daily_cap
    assert cap is not None
    set_setting("address.decrypt_route", CAPPED_ROUTE)
    bump_daily(shop_id, "decrypted", cap)
