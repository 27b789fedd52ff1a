"""The vendor's card-key tool (never run by the app itself):

    python -m dropship.billing keygen --out vendor.pem
    python -m dropship.billing mint --days 30 --count 100 --key vendor.pem [--points 0] [--out cards.txt]

`keygen` writes a new private key (keep it secret, never commit it) and prints the public key to put in
services/billing.VENDOR_PUBLIC_KEY; `mint` prints card keys, one per line, each with a fresh serial.
"""
from __future__ import annotations

import argparse
import base64
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from dropship.services.billing import MAX_DAYS, MAX_POINTS, key_id, mint

MAX_COUNT = 100_000


def public_text(private_key: Ed25519PrivateKey) -> str:
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def keygen(out: Path) -> str:
    """A new vendor key in `out` (PEM, owner-only), refusing to overwrite one; returns the public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    with os.fdopen(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as file:
        file.write(pem)
    return public_text(key)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


def _bounded(low: int, high: int):
    def parse(text: str) -> int:
        value = int(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low}..{high}")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dropship.billing", description="代发工作台 card keys (卡密)")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("keygen", help="make a vendor key pair")
    gen.add_argument("--out", type=Path, required=True, help="private key file to create (PEM)")
    make = commands.add_parser("mint", help="make card keys")
    make.add_argument("--days", type=_bounded(1, MAX_DAYS), required=True)
    make.add_argument("--count", type=_bounded(1, MAX_COUNT), default=1)
    make.add_argument("--points", type=_bounded(0, MAX_POINTS), default=0, help="点数 each key adds")
    make.add_argument("--key", type=Path, required=True, help="the vendor private key (PEM)")
    make.add_argument("--out", type=Path, help="write the keys here instead of stdout")
    args = parser.parse_args(argv)
    if args.command == "keygen":
        try:
            public = keygen(args.out)
        except FileExistsError:
            parser.error(f"{args.out} exists; refusing to overwrite a vendor key")
        print(f"public key (services/billing.VENDOR_PUBLIC_KEY): {public}")
        return 0
    key = load_private_key(args.key)
    cards = "".join(mint(key, args.days, args.points) + "\n" for _ in range(args.count))
    if args.out:
        args.out.write_text(cards, encoding="ascii")
        print(f"{args.count} keys ({args.days} days, key id {key_id(key.public_key()).hex()}) -> {args.out}",
              file=sys.stderr)
    else:
        sys.stdout.write(cards)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
