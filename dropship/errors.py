"""Exceptions whose message is written for the user (Chinese) and may be shown as-is."""


class UserError(Exception):
    """A refusal or failure the user can act on; `str(exc)` is the Chinese message."""


def user_message(exc: BaseException) -> str:
    if isinstance(exc, UserError):
        return str(exc)
    return f"程序错误（{type(exc).__name__}）：{exc}"
