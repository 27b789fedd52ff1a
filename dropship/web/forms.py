"""Forms: one way to show a form again with each error message beside its field.

Services refuse bad input with `FieldError(field, message)` (several at once: `.errors`). Every
form view renders through `form()`, so a refusal always comes back as the same form with the
message next to the field that is wrong, the field marked, and a 4xx status: nothing was saved.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template

from dropship.errors import FieldError


def form(template: str, *, error: FieldError | Mapping[str, str] | None = None,
         status: int | None = None, **context: Any) -> tuple[str, int]:
    """Render a form (a whole page, or a dialog's partial file for htmx) with `error` beside its fields.

    With an error the status is 400 unless `status` says otherwise (409: the same work is already
    running); without one it is 200.
    """
    errors = dict(error.errors if isinstance(error, FieldError) else error or {})
    return render_template(template, errors=errors, **context), status or (400 if errors else 200)
