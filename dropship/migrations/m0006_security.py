"""Security: at most one main account, enforced by the database (a partial unique index).

Installs hit by the registration race (several main accounts created at once) keep the oldest
main account; the others become employees of it with no permissions (nothing is deleted: the
owner can remove them in 账号管理), and their sessions end.
"""
from dropship.db import Migrator

ONE_MAIN_INDEX = "user_one_main_account"


def up(m: Migrator) -> None:
    first = '(SELECT MIN(id) FROM "user" WHERE role = \'main\')'
    m.execute(f'DELETE FROM "usersession" WHERE user_id IN '
              f'(SELECT id FROM "user" WHERE role = \'main\' AND id > {first})')
    m.execute(f'UPDATE "user" SET role = \'employee\', owner_id = {first}, permissions = \'[]\' '
              f'WHERE role = \'main\' AND id > {first}')
    # SQLite and PostgreSQL both support partial indexes: only rows with role='main' take part,
    # so a second main account is a constraint violation however many requests race.
    m.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{ONE_MAIN_INDEX}" ON "user" (role) WHERE role = \'main\'')
