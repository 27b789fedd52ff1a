"""Several PCs (issue 17 §2): the 验证中心 channel and the worker leases live in the database, so a
web process and workers on other PCs share them."""
from datetime import datetime

from peewee import AutoField, BlobField, CharField, DateTimeField, FloatField, IntegerField, TextField

from dropship.db import Migrator


def up(m: Migrator) -> None:
    m.create_table("parkedview", {
        "id": CharField(max_length=16, primary_key=True),
        "kind": CharField(max_length=10),
        "title": CharField(max_length=120),
        "account_key": CharField(max_length=64),
        "worker": CharField(max_length=80, index=True),
        "job_id": IntegerField(null=True, index=True),
        "state": CharField(max_length=10, index=True),
        "created_at": DateTimeField(default=datetime.now),
        "deadline": FloatField(),
        "closed_at": FloatField(default=0.0),
        "seen_at": FloatField(default=0.0),
        "frame": BlobField(null=True),
        "frame_no": IntegerField(default=0),
        "width": IntegerField(default=0),
        "height": IntegerField(default=0),
        "page_title": CharField(max_length=200, default=""),
        "page_url": CharField(max_length=500, default=""),
    })
    m.create_table("viewcommand", {
        "id": AutoField(),
        "view": CharField(max_length=16, index=True),
        "command": TextField(),
    })
    m.create_table("workerlease", {
        "key": CharField(max_length=80, primary_key=True),
        "holder": CharField(max_length=100),
        "heartbeat_at": DateTimeField(),
    })
