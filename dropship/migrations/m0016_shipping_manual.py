"""手动发货 / 百通一键替换极速 / 物流状态: the number a shipment replaced (导入物流单号), and the supplier
parcel's tracking status with its last movement, which the 物流异常 filter reads."""
from peewee import CharField, DateTimeField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    # 百通一键替换极速 re-consigns with another courier; the card keeps showing what was shipped first
    m.add_column("shipment", "original_courier", CharField(max_length=20, default=""))
    m.add_column("shipment", "original_number", CharField(max_length=40, default=""))
    # the supplier parcel's 在途 / 已签收 / 异常, when the number arrived and when the trace last moved
    m.add_column("purchase", "tracking_state", CharField(max_length=10, default=""))
    m.add_column("purchase", "tracking_at", DateTimeField(null=True))
    m.add_column("purchase", "tracking_moved_at", DateTimeField(null=True))
    # 物流异常 and 百通 selection look purchases up by these (active ones only are ever asked for)
    m.add_index("purchase", ("active", "tracking_state", "tracking_moved_at"), False)
    m.add_index("purchase", ("courier", "tracking_at"), False)
