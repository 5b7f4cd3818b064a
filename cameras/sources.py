"""Camera source URLs and their credentials.

Credentials are kept apart from the URL (``Camera.source_username`` / ``source_password``) so
that the URL can be shown, logged and audited as it is; only the worker that opens the stream
joins them back with :func:`source_url_with_credentials`.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit, urlunsplit

# Query parameters that carry secrets in many cameras' URLs.
SECRET_QUERY_KEYS = re.compile(
    r"(?i)([?&](?:password|passwd|pwd|pass|token|key|auth|secret)=)[^&]*"
)


def split_credentials(url: str) -> tuple[str, str, str]:
    """``rtsp://u:p@host/x`` → (``rtsp://host/x``, ``u``, ``p``)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, "", ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    clean = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return clean, unquote(parts.username or ""), unquote(parts.password or "")


def source_url_with_credentials(url: str, username: str, password: str) -> str:
    """Join stored credentials back into a URL, for the process that opens the stream."""
    if not username and not password:
        return url
    parts = urlsplit(url)
    userinfo = quote(username, safe="")
    if password:
        userinfo += ":" + quote(password, safe="")
    return urlunsplit(
        (parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment)
    )


def redact_source_url(url: str) -> str:
    """A URL safe to show or log: no userinfo, secret query values replaced."""
    clean, username, password = split_credentials(url)
    if username or password:
        parts = urlsplit(clean)
        clean = urlunsplit(
            (parts.scheme, f"***@{parts.netloc}", parts.path, parts.query, parts.fragment)
        )
    return SECRET_QUERY_KEYS.sub(r"\1***", clean)


def source_secret_mask(value: str) -> str:
    """How a camera's source fields appear in the change log: URLs without credentials, other
    values (the username, the password) hidden. django-auditlog calls it (``mask_callable``)."""
    if not value or value == "None":
        return ""
    if "://" in value:
        return redact_source_url(value)
    return "********"
