"""Camera source URLs, their credentials, and opening them.

Credentials are kept apart from the URL (``Camera.source_username`` / ``source_password``) so
that the URL can be shown, logged and audited as it is; only the worker that opens the stream
joins them back with :func:`source_url_with_credentials`. :func:`open_capture` is the one way
a source is opened, by the health probe and by the analytics engine alike.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:
    import cv2

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


def source_target(url: str) -> str:
    """What OpenCV opens for ``url``: a ``file://`` URL's local path, any other URL as it is."""
    parts = urlsplit(url)
    return unquote(parts.path) if parts.scheme.lower() == "file" else url


def open_capture(url: str, *, open_timeout: float, read_timeout: float) -> cv2.VideoCapture:
    """Open a source (rtsp, rtsps, http(s) MJPEG, file) with FFmpeg, under timeouts so that a
    dead or silent camera never blocks its caller for longer than them. The caller releases it.
    """
    import cv2  # only the processes that open streams pay for OpenCV

    # RTSP over TCP: UDP loses packets through NAT and firewalls and gives grey, smeared
    # frames. OpenCV reads this variable at every open; other protocols ignore the option.
    os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
    return cv2.VideoCapture(
        source_target(url),
        cv2.CAP_FFMPEG,
        [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(open_timeout * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(read_timeout * 1000),
        ],
    )
