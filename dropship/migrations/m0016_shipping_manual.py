"""手动发货 / 百通一键替换极速 / 物流状态: the number a shipment replaced (导入物流单号), and the supplier
parcel's tracking status with its last movement, which the 物流异常 filter reads."""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from dropship.db import Migrator


def _job_table(m: Migrator) -> type[Model]:
    """A frozen stand-in for the job table, as the foreign key's target."""
    meta = type("Meta", (), {"database": m.database, "table_name": "job"})
    return type("job_key_m0016", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    # 百通一键替换极速 re-consigns with another courier; the card keeps showing what was shipped first
    m.add_column("shipment", "original_courier", CharField(max_length=20, default=""))
    m.add_column("shipment", "original_number", CharField(max_length=40, default=""))
    # the job that consigns it (手动发货's job line on the card, 替换极速's result list)
    job = _job_table(m)
    m.add_column("shipment", "job_id", ForeignKeyField(job, field=job.id, null=True, on_delete="SET NULL"))
    # the supplier parcel's 在途 / 已签收 / 异常, when the number arrived and when the trace last moved
    m.add_column("purchase", "tracking_state", CharField(max_length=10, default=""))
    m.add_column("purchase", "tracking_at", DateTimeField(null=True))
    m.add_column("purchase", "tracking_moved_at", DateTimeField(null=True))
    # 物流异常 looks active purchases up by their parcel's state and last movement
    m.add_index("purchase", ("active", "tracking_state", "tracking_moved_at"), False)
