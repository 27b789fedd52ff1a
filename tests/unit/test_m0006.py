"""m0006 on an install hit by the registration race: one main account remains, nothing is deleted."""
from dropship.db import init_db, migration_names, run_migrations


def test_extra_main_accounts_become_employees_without_permissions(tmp_path):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    before = [n for n in migration_names() if n < "m0006"][-1]
    run_migrations(database, upto=before)
    for i, phone in enumerate(("13900000001", "13900000002", "13900000003"), start=1):
        database.execute_sql('INSERT INTO "user" (id, username, password_hash, role, permissions, created_at, '
                             "password_changed_at) VALUES (?, ?, 'x', 'main', '[]', '2026-01-01', '2026-01-01')",
                             (i, phone))
        database.execute_sql("INSERT INTO usersession (token_hash, user_id, remember, created_at, expires_at, "
                             "last_seen_at, ip, user_agent) VALUES (?, ?, 0, '2026-01-01', '2099-01-01', "
                             "'2026-01-01', '', '')", (str(i) * 64, i))
    run_migrations(database)
    users = database.execute_sql('SELECT id, role, owner_id FROM "user" ORDER BY id').fetchall()
    assert users == [(1, "main", None), (2, "employee", 1), (3, "employee", 1)]
    assert database.execute_sql("SELECT user_id FROM usersession").fetchall() == [(1,)]
    database.close()
