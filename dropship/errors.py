"""Exceptions whose message is written for the user (Chinese) and may be shown as-is."""
from __future__ import annotations


class UserError(Exception):
    """A refusal or failure the user can act on; `str(exc)` is the Chinese message."""


class FieldError(UserError):
    """Bad input in one form field: the web layer shows `message` beside `field` with a 400.

    Several at once (a whole form checked) go in `FieldError.many({field: message, …})`.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.errors: dict[str, str] = {field: message}

    @classmethod
    def many(cls, errors: dict[str, str]) -> FieldError:
        field, message = next(iter(errors.items()))
        exc = cls(field, message)
        exc.errors = dict(errors)
        return exc


class TryLater(UserError):
    """Not now (e.g. the account's browser is busy): the job goes back to the queue for `delay` seconds
    instead of holding a worker while it waits."""

    def __init__(self, message: str, delay: float = 10.0) -> None:
        super().__init__(message)
        self.delay = delay


def user_message(exc: BaseException) -> str:
    if isinstance(exc, UserError):
        return str(exc)
    return f"程序错误（{type(exc).__name__}）：{exc}"
