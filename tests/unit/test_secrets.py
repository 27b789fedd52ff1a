import stat

import pytest

from dropship import secrets
from dropship.db import init_db
from dropship.models import BaseModel
from dropship.secrets import EncryptedField, Secret, SecretError


class Vault(BaseModel):
    password = EncryptedField(null=True)


@pytest.fixture
def vault_db(tmp_path):
    secrets.init_secrets(tmp_path)
    database = init_db(f"sqlite:///{tmp_path / 'v.db'}")
    database.create_tables([Vault])
    yield database
    database.close()


def test_key_file_is_private_and_stable(tmp_path):
    key = secrets.load_key(tmp_path / "secret.key")
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600
    assert secrets.load_key(tmp_path / "secret.key") == key


def test_round_trip_and_wrong_key(tmp_path):
    secrets.init_secrets(tmp_path / "a")
    token = secrets.encrypt("店铺密码123")
    assert "店铺密码" not in token and secrets.decrypt(token) == "店铺密码123"
    secrets.init_secrets(tmp_path / "b")
    with pytest.raises(SecretError):
        secrets.decrypt(token)


def test_field_stores_ciphertext_and_hides_value_in_repr(vault_db):
    row = Vault.create(password="hunter2-支付密码")
    raw = vault_db.execute_sql("select password from vault where id = ?", (row.id,)).fetchone()[0]
    assert "hunter2" not in raw
    loaded = Vault.get_by_id(row.id).password
    assert loaded == "hunter2-支付密码" and isinstance(loaded, Secret)
    assert "hunter2" not in repr(loaded) and "hunter2" not in repr([loaded])
