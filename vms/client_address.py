"""Who the client is: the one answer for the audit trail, the change log, log-in throttling.

The peer of the connection (``REMOTE_ADDR``) is the client unless it is one of the proxies the
deployment names in ``VMS_TRUSTED_PROXIES`` (addresses or CIDR networks). Only then is
``X-Forwarded-For`` read, from the right: each trusted proxy appends the address it received
the request from, so the right-most hop that is *not* a trusted proxy is the client; anything
to its left was written by the client itself and proves nothing. With no proxy configured the
header is ignored, so a forged one is never recorded.

An address that does not parse (a malformed header, a unix socket peer) is returned as
``raw`` with ``ip=None``: the record keeps what was received without breaking the insert into
a ``GenericIPAddressField`` (PostgreSQL's ``inet`` refuses it).

``client_ip`` is the callable for django-axes (``AXES_CLIENT_IP_CALLABLE =
"vms.client_address.client_ip"``); :class:`AuditlogMiddleware` puts the same address on the
change log.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from auditlog.middleware import AuditlogMiddleware as _AuditlogMiddleware
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Longest forwarded chain considered; a longer header is cut from the left (client-written).
MAX_HOPS = 20


def _printable(text: str, limit: int = 200) -> str:
    """``text`` as it can be stored (PostgreSQL refuses NUL), cut to ``limit``."""
    return "".join(ch for ch in text.strip() if ch.isprintable())[:limit]


@dataclass(frozen=True)
class ClientAddress:
    """``ip``: the client's address, normalised, or ``None``; ``raw``: what was received when
    it did not parse (empty otherwise)."""

    ip: str | None
    raw: str = ""


def parse_address(value: str) -> IPAddress | None:
    """An address as proxies write it (``a.b.c.d``, ``a.b.c.d:port``, ``v6``, ``[v6]:port``),
    IPv4-mapped IPv6 as IPv4, without an IPv6 zone; ``None`` when it is not an address."""
    value = (value or "").strip().strip('"')
    if value.startswith("["):  # [v6] or [v6]:port
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:  # v4:port (a bare v6 has two colons or more)
        value = value.partition(":")[0]
    value = value.partition("%")[0]  # a zone id ("fe80::1%eth0") means nothing to the record
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in configured)
    except ValueError as exc:
        raise ImproperlyConfigured(f"VMS_TRUSTED_PROXIES (TRUSTED_PROXIES): {exc}") from exc


def trusted_proxies() -> tuple[IPNetwork, ...]:
    """The configured proxies (read at call time, so tests can override the setting)."""
    return _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def is_trusted_proxy(address: IPAddress | None) -> bool:
    return address is not None and any(address in net for net in trusted_proxies())


def client_address_from_meta(meta: Mapping[str, str]) -> ClientAddress:
    """The client of a request described by WSGI/ASGI ``META``-style keys (``REMOTE_ADDR``,
    ``HTTP_X_FORWARDED_FOR``)."""
    peer_raw = str(meta.get("REMOTE_ADDR") or "")
    peer = parse_address(peer_raw)
    if peer is None:
        return ClientAddress(None, _printable(peer_raw))
    if not is_trusted_proxy(peer):
        return ClientAddress(str(peer))
    # One header per proxy may arrive as several values joined by commas: same thing.
    hops = [h for h in str(meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    client: ClientAddress = ClientAddress(str(peer))
    for hop in reversed(hops[-MAX_HOPS:]):
        address = parse_address(hop)
        if address is None:
            # The hop a trusted proxy wrote is garbage: record it as received, as no address.
            return ClientAddress(None, _printable(hop))
        client = ClientAddress(str(address))
        if not is_trusted_proxy(address):
            return client
    return client  # every hop is a proxy of ours: the left-most one is as far as we can see


def client_address(request) -> ClientAddress:
    """The client of ``request`` (a Django or DRF request; ``None`` gives no address)."""
    if request is None:
        return ClientAddress(None)
    return client_address_from_meta(request.META)


def client_ip(request) -> str | None:
    """The client's address as a string, or ``None`` when it cannot be told (for axes)."""
    return client_address(request).ip


def client_address_from_scope(scope: Mapping) -> ClientAddress:
    """The client of an ASGI connection (a websocket), by the same rules."""
    peer = scope.get("client") or (None, None)
    meta = {"REMOTE_ADDR": peer[0] or ""}
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            previous = meta.get("HTTP_X_FORWARDED_FOR")
            decoded = value.decode("latin-1")
            meta["HTTP_X_FORWARDED_FOR"] = f"{previous},{decoded}" if previous else decoded
    return client_address_from_meta(meta)


class AuditlogMiddleware(_AuditlogMiddleware):
    """django-auditlog's middleware with Veil's client address.

    Its own reads the left-most ``X-Forwarded-For`` hop from anyone, so a forged header was
    written to the change log, and a malformed one made the log entry's insert fail. The
    forwarded port is dropped for the same reason: only a trusted proxy could vouch for it.
    """

    @staticmethod
    def _get_remote_addr(request):
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        return None
