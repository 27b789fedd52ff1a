"""沙箱平台: a stand-in for 淘宝 / 天猫 / 淘特 / 1688 / 拼多多 that drivers and tests talk to.

It is "the outside world": nothing here imports the rest of ``dropship``. See README.md.
"""
from .api import Sandbox
from .client import HttpResponse, request

__all__ = ["HttpResponse", "Sandbox", "request"]
