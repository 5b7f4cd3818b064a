"""The websocket origin check: exact scheme, host and port.

A browser sends its page's origin with every websocket handshake, and a page on any site may
open a socket to Veil: the session cookie goes with it (cross-site websocket hijacking). So a
socket is let through only when its ``Origin`` is exactly

* this site as the browser reached it: the ``Host`` header (which must be one of
  ``ALLOWED_HOSTS``) with the scheme of the connection (``https`` when the socket came over
  TLS, or through a proxy that says so in ``SECURE_PROXY_SSL_HEADER``), port included; or
* one of ``CSRF_TRUSTED_ORIGINS`` (``VMS_CSRF_TRUSTED_ORIGINS``: the origins trusted to post
  forms are the ones trusted to open sockets), compared the same way.

Channels' ``AllowedHostsOriginValidator`` compares host names only, so
``http://veil.example.com:8080`` (another service on the same machine) or a plain-HTTP page
passed it. A missing, ``null`` or unparsable origin is refused; so is a socket without a
``Host`` header.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host
from django.utils.http import is_same_domain

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]  # scheme, lower-case host, port


def parse_origin(value: str) -> Origin | None:
    """``(scheme, host, port)`` of an ``http(s)`` origin, default port filled in; else None."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    return scheme, host, port if port is not None else DEFAULT_PORTS[scheme]


def _header(scope, name: bytes) -> str | None:
    values = [value for key, value in scope.get("headers", []) if key.lower() == name]
    if len(values) != 1:  # absent, or sent twice: nothing to trust
        return None
    try:
        return values[0].decode("latin1")
    except UnicodeDecodeError:  # pragma: no cover - latin1 decodes every byte
        return None


def _is_secure(scope) -> bool:
    if scope.get("scheme") in ("wss", "https"):
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy_header:
        return False
    name, secure_value = proxy_header
    header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
    value = _header(scope, header)
    return value is not None and value.split(",", 1)[0].strip() == secure_value


def own_origin(scope) -> Origin | None:
    """The origin of the page that may open this socket: its ``Host`` (an allowed host) and
    the connection's scheme. None without a valid ``Host``."""
    host = _header(scope, b"host")
    if not host:
        return None
    domain, _port = split_domain_port(host)
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:  # Django's own default in that case
        allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed_hosts):
        return None
    scheme = "https" if _is_secure(scope) else "http"
    return parse_origin(f"{scheme}://{host}")


def _configured_match(origin: Origin, pattern: str) -> bool:
    # "https://*.example.com" allows subdomains, as in CSRF_TRUSTED_ORIGINS; scheme and port
    # still match exactly.
    wildcard = "://*." in pattern
    allowed = parse_origin(pattern.replace("://*.", "://", 1) if wildcard else pattern)
    if allowed is None:
        return False
    scheme, host, port = allowed
    if origin[0] != scheme or origin[2] != port:
        return False
    return is_same_domain(origin[1], "." + host) if wildcard else origin[1] == host


def origin_allowed(scope) -> bool:
    """Whether the websocket of ``scope`` comes from a page Veil trusts (see module doc)."""
    value = _header(scope, b"origin")
    origin = parse_origin(value) if value else None
    if origin is None:
        return False
    if origin == own_origin(scope):
        return True
    return any(_configured_match(origin, pattern) for pattern in settings.CSRF_TRUSTED_ORIGINS)


class ExactOriginValidator:
    """ASGI middleware: refuses (HTTP 403 at the handshake) a websocket whose origin is not
    allowed by :func:`origin_allowed`; everything else passes through untouched."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
