"""m0018 on an install with employees: an action that got its own permission stays allowed."""
import json

from dropship.db import init_db, migration_names, run_migrations


def test_employees_keep_the_actions_split_off_their_permissions(tmp_path):
    database = init_db(f"sqlite:///{tmp_path / 'app.db'}")
    run_migrations(database, upto=[n for n in migration_names() if n < "m0018"][-1])
    grants = {1: [], 2: ["orders", "orders.ship", "shops", "shops.fetch"], 3: ["accounts", "accounts.authorize"]}
    for user_id, codes in grants.items():
        database.execute_sql('INSERT INTO "user" (id, username, password_hash, role, permissions, created_at, '
                             "password_changed_at) VALUES (?, ?, 'x', ?, ?, '2026-01-01', '2026-01-01')",
                             (user_id, f"1390000000{user_id}", "main" if user_id == 1 else "employee",
                              json.dumps(codes)))
    run_migrations(database)
    after = {i: json.loads(p) for i, p in database.execute_sql('SELECT id, permissions FROM "user"').fetchall()}
    assert after == {1: [], 2: ["orders", "orders.ship", "shops", "shops.fetch", "orders.baitong", "shops.export"],
                     3: ["accounts", "accounts.authorize", "accounts.enable"]}
    database.close()
