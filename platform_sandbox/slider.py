"""The 滑块 (nocaptcha) check: the server issues a token, the page posts the recorded drag.

A drag counts only if the track came from trusted pointer events (the page sends none
otherwise), moved the handle the whole way, in several steps, over some time. A form submitted
without the drag carries a token that never passed, so it fails.
"""
from __future__ import annotations

import json
from datetime import datetime

from . import ids
from .models import Account, Challenge

SLIDE_DISTANCE = 258  # bar 300 px minus handle 42 px, as on the real nc widget
MIN_POINTS = 5
MIN_MILLIS = 20


def issue(purpose: str, at: datetime, account: Account | None = None, **data: object) -> Challenge:
    return Challenge.create(token=ids.token("slider"), kind="slider", purpose=purpose, account=account,
                            created_at=at, data=data)


def plausible_drag(track: list) -> bool:
    """[[x, y, t_ms], ...] from mousedown to mouseup."""
    try:
        points = [(float(x), float(y), float(t)) for x, y, t in track]
    except (TypeError, ValueError):
        return False
    if len(points) < MIN_POINTS:
        return False
    xs = [p[0] for p in points]
    times = [p[2] for p in points]
    forward = all(b >= a - 3 for a, b in zip(xs, xs[1:], strict=False))
    in_time = all(b >= a for a, b in zip(times, times[1:], strict=False)) and times[-1] - times[0] >= MIN_MILLIS
    return forward and in_time and xs[-1] - xs[0] >= SLIDE_DISTANCE - 4


def verify(token: str, raw_track: str) -> bool:
    challenge = Challenge.get_or_none((Challenge.token == token) & (Challenge.kind == "slider"))
    if challenge is None or challenge.used:
        return False
    try:
        track = json.loads(raw_track)
    except ValueError:
        return False
    if not isinstance(track, list) or not plausible_drag(track):
        return False
    challenge.passed = True
    challenge.save()
    return True


def redeem(token: str | None, purpose: str, account: Account | None = None) -> bool:
    """Use up a passed challenge (one drag, one login or one call)."""
    challenge = Challenge.get_or_none((Challenge.token == (token or "")) & (Challenge.kind == "slider"))
    if challenge is None or not challenge.passed or challenge.used or challenge.purpose != purpose:
        return False
    if account is not None and challenge.account_id != account.id:
        return False
    challenge.used = True
    challenge.save()
    return True
