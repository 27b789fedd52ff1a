"""Secrets at rest: a Fernet key in `<data_dir>/secret.key` (0600) and encrypt/decrypt helpers.

Shop passwords, purchase-account tokens and payment passwords go through `EncryptedField`; the
plain text exists only in memory while a task uses it, and `Secret` hides it from repr/logs.
"""
from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from peewee import TextField

_fernet: Fernet | None = None


class SecretError(RuntimeError):
    pass


def load_key(path: Path) -> bytes:
    """Read the key, creating it with 0600 permissions on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        key = Fernet.generate_key()
        # O_EXCL: two processes starting together must not both write a different key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        return key
    return path.read_bytes().strip()


_search_secret: bytes = b""


def init_secrets(data_dir: Path) -> None:
    global _fernet, _search_secret
    key = load_key(data_dir / "secret.key")
    _fernet = Fernet(key)
    _search_secret = hashlib.sha256(b"search:" + key).digest()


def _cipher() -> Fernet:
    if _fernet is None:
        raise SecretError("secrets not initialised: call init_secrets(data_dir) first")
    return _fernet


def encrypt(plain: str) -> str:
    return _cipher().encrypt(plain.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise SecretError("密文无法解密：secret.key 与数据库不匹配") from exc


class Secret(str):
    """A decrypted value that never shows itself in repr() or logs."""

    def __repr__(self) -> str:
        return "Secret('******')"


class EncryptedField(TextField):
    """Stores Fernet ciphertext; Python code sees a `Secret` (or None)."""

    def db_value(self, value):
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def python_value(self, value):
        if value is None or value == "":
            return value
        return Secret(decrypt(value))


def search_key(text: str) -> str:
    """A keyed hash for exact-match search on encrypted values (收货人姓名 / 手机号) without storing them."""
    if not text:
        return ""
    _cipher()  # same precondition as encrypt(): init_secrets() was called
    return hmac.new(_search_secret, text.strip().encode("utf-8"), hashlib.sha256).hexdigest()[:32]
