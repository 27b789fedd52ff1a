"""Item pictures: the CDN hosts the orders' ``pic`` URLs point at (img.alicdn.com, cbu01.alicdn.com,
img.pddpic.com) answer every path with a small PNG, one colour per path, so thumbnails load offline."""
from __future__ import annotations

import struct
import zlib

from flask import Blueprint, Response

from .hosts import sandbox_host

IMAGE_HOSTS = ("img.alicdn.com", "cbu01.alicdn.com", "img.pddpic.com")
SIZE = 60

bp = Blueprint("images", __name__)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(path: str) -> bytes:
    """A SIZE×SIZE PNG of one colour taken from the path (the same picture for the same URL)."""
    seed = zlib.crc32(path.encode())
    colour = bytes((96 + seed % 128, 96 + (seed >> 8) % 128, 96 + (seed >> 16) % 128))
    rows = b"".join(b"\x00" + colour * SIZE for _ in range(SIZE))
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows)) + _chunk(b"IEND", b"")


def picture(path: str) -> Response:
    return Response(png(path), mimetype="image/png", headers={"Cache-Control": "max-age=86400"})


for _n, _host in enumerate(IMAGE_HOSTS):
    bp.add_url_rule("/<path:path>", f"picture_{_n}", picture, host=sandbox_host(_host))
