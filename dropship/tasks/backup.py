"""The daily automatic 数据备份, keeping the newest `backup.keep` (设置 › 数据备份), and the sweep of
work folders a crash left behind."""
from __future__ import annotations

from huey import crontab

from dropship.queue import huey
from dropship.restore import make_backup
from dropship.services.backup import BackupFile, prune_backups, sweep_work_folders
from dropship.services.settings import get_setting
from dropship.tasks import settings


# At night, when no one is working: the copy is consistent at any time, but it reads the whole database.
@huey.periodic_task(crontab(hour="3", minute="40"))
def daily_backup() -> BackupFile:
    config = settings()
    made = make_backup(config)
    prune_backups(config.data_dir, get_setting("backup.keep"))
    sweep_work_folders(config.data_dir)
    return made
