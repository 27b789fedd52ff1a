"""手动发货 / 百通一键替换极速 / 物流状态: the job consigning a shipment, and the supplier parcel's
tracking status with its last movement, which the 物流异常 filter reads. (The parcel a shipment
replaces, 导入物流单号, is m0015's shipment.original_*.)"""
from peewee import AutoField, CharField, DateTimeField, ForeignKeyField, Model

from dropship.db import Migrator


def _job_table(m: Migrator) -> type[Model]:
    """A frozen stand-in for the job table, as the foreign key's target."""
    meta = type("Meta", (), {"database": m.database, "table_name": "job"})
    return type("job_key_m0016", (Model,), {"id": AutoField(), "Meta": meta, "__module__": __name__})


def up(m: Migrator) -> None:
    # the job that consigns it (手动发货's job line on the card, 替换极速's result list)
    job = _job_table(m)
    m.add_column("shipment", "job_id", ForeignKeyField(job, field=job.id, null=True, on_delete="SET NULL"))
    # the supplier parcel's 在途 / 已签收 / 异常, when the number arrived and when the trace last moved
    m.add_column("purchase", "tracking_state", CharField(max_length=10, default=""))
    m.add_column("purchase", "tracking_at", DateTimeField(null=True))
    m.add_column("purchase", "tracking_moved_at", DateTimeField(null=True))
    # 物流异常 looks active purchases up by their parcel's state and last movement
    m.add_index("purchase", ("active", "tracking_state", "tracking_moved_at"), False)
