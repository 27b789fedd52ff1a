"""The one rule for text people type: no control characters, no bidi overrides.

A NUL or an escape code breaks exports and platform forms; a bidi override (U+202E) makes a name,
memo or account display in a different order than it is stored, which hides what it really says.
Line breaks and tabs are allowed only where the page offers a textarea (`multiline`).
"""
from __future__ import annotations

import re

from dropship.errors import FieldError

# C0 controls except tab/LF/CR, DEL, C1 controls, bidi embeddings/overrides and isolates.
_ALWAYS_BAD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_MULTILINE_BAD = re.compile(f"[{_ALWAYS_BAD}]")
_SINGLE_LINE_BAD = re.compile(f"[{_ALWAYS_BAD}\t\n\r]")


def text_problem(value: str, multiline: bool = False) -> str | None:
    """A Chinese message saying what is wrong with `value`, or None when it is acceptable."""
    found = (_MULTILINE_BAD if multiline else _SINGLE_LINE_BAD).search(value)
    if found is None:
        return None
    char = found.group()
    code = f"U+{ord(char):04X}"
    if "\u202a" <= char <= "\u202e" or "\u2066" <= char <= "\u2069":
        return f"内容中含有文字方向控制符（{code}），它会让文字显示的顺序和实际内容不同，请删除后重新输入"
    if char in "\t\n\r":
        return "这里只能填写一行文字，不能包含换行或制表符，请删除后重新输入"
    return f"内容中含有不可见的控制字符（{code}），请删除后重新输入（常见于从其他软件复制的文字）"


def check_text(field: str, value: str, multiline: bool = False) -> None:
    """Raise FieldError(field, message) when `value` breaks the rule above."""
    problem = text_problem(value, multiline)
    if problem:
        raise FieldError(field, problem)
