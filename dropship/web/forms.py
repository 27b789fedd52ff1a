"""Forms: one way to show a form again with each error message beside its field.

Services refuse bad input with `FieldError(field, message)` (several at once: `.errors`). Every
form view renders through `form()`, so a refusal always comes back as the same form with the
message next to the field that is wrong, the field marked, and a 4xx status: nothing was saved.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import render_template
from jinja2_fragments.flask import render_block

from dropship.errors import FieldError


def form(template: str, block: str | None = None, *, error: FieldError | Mapping[str, str] | None = None,
         status: int | None = None, **context: Any) -> tuple[str, int]:
    """Render a form (a whole page, or one `block` of it for htmx) with `error` beside its fields.

    With an error the status is 400 unless `status` says otherwise (409: the same work is already
    running); without one it is 200.
    """
    errors = dict(error.errors if isinstance(error, FieldError) else error or {})
    status = status or (400 if errors else 200)
    if block is None:
        return render_template(template, errors=errors, **context), status
    return render_block(template, block, errors=errors, **context), status
