"""HTTPS for LAN mode: a self-signed certificate and a small TLS-terminating front for waitress.

waitress speaks plain HTTP only. In LAN mode (`https` setting: auto = on when the host is not a
loopback address) waitress listens on an ephemeral loopback port and `TlsFront` owns the public
port: it accepts, terminates TLS with the certificate below, and pipes bytes to waitress.

- One port serves both: a connection that starts with a TLS handshake is decrypted; plain HTTP
  from this PC (the owner's browser, the `--window`) is piped as is; plain HTTP from another PC is
  answered with a redirect to https:// so no password crosses the LAN in clear text.
- waitress would see every piped connection as coming from 127.0.0.1, which would defeat the
  per-IP login limit and make every LAN user "local". The front records which loopback source
  port belongs to which real client; `RealClient` (WSGI middleware) puts the real address and
  scheme back into the request. Nothing a client sends can forge this (no trusted headers).
- The certificate (EC P-256, self-signed, 10 years, names: localhost, the PC's name and its
  addresses) is made on first start under `<data_dir>/tls/` with 0600 files in a 0700 folder.
  Browsers warn once for a self-signed certificate; the banner prints its SHA-256 fingerprint so
  the user can compare it with the one the browser shows.
"""
from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import select
import socket
import ssl
import threading
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger("dropship.tls")

HANDSHAKE_TIMEOUT = 10.0  # seconds a new connection gets to say what it is
IDLE_TIMEOUT = 300.0  # a connection with no traffic either way for this long is closed
CHUNK = 64 * 1024


# -- certificate -----------------------------------------------------------------------------------

def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # also when the file existed with looser permissions


def ensure_certificate(data_dir: Path, addresses: Iterable[str] = ()) -> tuple[Path, Path]:
    """Return (cert, key) paths under `<data_dir>/tls/`, creating a self-signed pair on first use."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = data_dir / "tls"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path

    key = ec.generate_private_key(ec.SECP256R1())
    hostname = socket.gethostname()
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    if hostname and re.fullmatch(r"[A-Za-z0-9.-]{1,253}", hostname):
        names.append(x509.DNSName(hostname))
    for address in {"127.0.0.1", *addresses}:
        with suppress(ValueError):
            names.append(x509.IPAddress(ipaddress.ip_address(address)))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "代发工作台"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "代发工作台（自签名）")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    _write_private(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def fingerprint(cert_path: Path) -> str:
    """SHA-256 fingerprint as browsers show it (AB:CD:…)."""
    der = ssl.PEM_cert_to_DER_cert(cert_path.read_text())
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


# -- the front -------------------------------------------------------------------------------------

def is_loopback(address: str) -> bool:
    with suppress(ValueError):
        return ipaddress.ip_address(address.split("%")[0]).is_loopback
    return False


class TlsFront:
    """Listens on (host, port); TLS or local plain HTTP is piped to the backend on loopback."""

    def __init__(self, host: str, port: int, backend_port: int, context: ssl.SSLContext,
                 plain_allowed: Callable[[str], bool] = is_loopback) -> None:
        self.context = context
        self.backend = ("127.0.0.1", backend_port)
        self.plain_allowed = plain_allowed
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.create_server((host, port), family=family, backlog=64)
        self.port: int = self.sock.getsockname()[1]
        self.peers: dict[int, tuple[str, bool]] = {}  # backend connection's local port -> (client, tls)
        self._closed = threading.Event()

    def serve_forever(self) -> None:
        while not self._closed.is_set():
            try:
                conn, addr = self.sock.accept()
            except OSError:
                if self._closed.is_set():
                    return
                continue
            threading.Thread(target=self._handle, args=(conn, addr[0]), name="tls-conn", daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        with suppress(OSError):
            self.sock.close()

    def _handle(self, conn: socket.socket, client: str) -> None:
        try:
            conn.settimeout(HANDSHAKE_TIMEOUT)
            first = conn.recv(1, socket.MSG_PEEK)
            if not first:
                return
            if first[0] == 0x16:  # TLS handshake record
                conn = self.context.wrap_socket(conn, server_side=True)
                self._pipe(conn, client, tls=True)
            elif self.plain_allowed(client):
                self._pipe(conn, client, tls=False)
            else:
                self._redirect_to_https(conn)
        except (OSError, ssl.SSLError) as exc:  # a client that goes away or speaks nonsense
            log.debug("connection from %s ended: %s", client, exc)
        finally:
            with suppress(OSError):
                conn.close()

    def _pipe(self, conn: socket.socket, client: str, tls: bool) -> None:
        backend = socket.create_connection(self.backend)
        local_port = backend.getsockname()[1]
        self.peers[local_port] = (client, tls)
        conn.settimeout(IDLE_TIMEOUT)
        try:
            while True:
                # Decrypted bytes may wait inside the TLS object where select() cannot see them.
                pending = tls and conn.pending()
                ready = [conn] if pending else select.select([conn, backend], [], [], IDLE_TIMEOUT)[0]
                if not ready:
                    return
                for source in ready:
                    target = backend if source is conn else conn
                    data = source.recv(CHUNK)  # a partly arrived TLS record waits (up to IDLE_TIMEOUT)
                    if not data:
                        return
                    target.sendall(data)
        finally:
            self.peers.pop(local_port, None)
            with suppress(OSError):
                backend.close()

    def _redirect_to_https(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and len(head) < 8192:
            chunk = conn.recv(4096)
            if not chunk:
                break
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        path = parts[1] if len(parts) > 1 and parts[1].startswith("/") else "/"
        host = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("host:")), "")
        if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]{1,260}", host):
            host = conn.getsockname()[0]
        body = "请使用 https:// 打开代发工作台（局域网访问已启用加密）".encode()
        conn.sendall(b"HTTP/1.1 301 Moved Permanently\r\n"
                     + f"Location: https://{host}{re.sub(r'[^ -~]', '', path)}\r\n".encode("latin-1")
                     + b"Content-Type: text/plain; charset=utf-8\r\n"
                     + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)


class RealClient:
    """WSGI middleware: a request piped by the front gets its real client address and scheme back."""

    def __init__(self, app: Callable, front: TlsFront) -> None:
        self.app = app
        self.front = front

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if is_loopback(environ.get("REMOTE_ADDR", "")):
            peer = self.front.peers.get(int(environ.get("REMOTE_PORT") or 0))
            if peer is not None:
                environ["REMOTE_ADDR"] = peer[0]
                environ["wsgi.url_scheme"] = "https" if peer[1] else "http"
        return self.app(environ, start_response)
