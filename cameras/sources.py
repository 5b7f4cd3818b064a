"""Camera source URLs, their credentials, and opening them.

Credentials are kept apart from the URL (``Camera.source_username`` / ``source_password``) so
that the URL can be shown, logged and audited redacted; only the worker that opens the stream
joins them back with :func:`source_url_with_credentials`. Credentials (and secret query
values) are bound to the origin they were entered for (:func:`source_origin`): the registry
clears them when a source moves to another scheme, host or port. :func:`open_capture` is the
one way a source is opened, by the health probe and by the analytics engine alike, and checks
the deployment's source rules each time.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from django.core.exceptions import ValidationError

from cameras.validators import validate_camera_source
from vms.redaction import REDACTED, is_secret_key, redact_secrets

if TYPE_CHECKING:
    import cv2

logger = logging.getLogger(__name__)


def split_credentials(url: str) -> tuple[str, str, str]:
    """``rtsp://u:p@host/x`` → (``rtsp://host/x``, ``u``, ``p``)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url, "", ""  # malformed: left whole for validation to refuse
    if parts.username is None and parts.password is None:
        return url, "", ""
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
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
    """A URL safe to show or log: no userinfo, secret query values replaced
    (:func:`vms.redaction.redact_secrets`, the one redaction)."""
    return redact_secrets(url)


def source_secret_mask(value: str) -> str:
    """How a camera's source fields appear in the change log: URLs without credentials or
    secret query values, other values (the username, the password) hidden. django-auditlog
    calls it (``mask_callable``)."""
    if not value or value == "None":
        return ""
    if "://" in value:
        return redact_secrets(value)
    return "********"


# Ports the stream protocols use when a URL names none.
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}


def source_origin(url: str) -> tuple[str, str, int | None]:
    """Where a URL's credentials go: (scheme, host, port), normalised (lower case, default
    port filled in). Credentials are bound to it: see :func:`source_origin_changed`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ("", url, None)
    scheme = parts.scheme.lower()
    return (scheme, (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme))


def source_origin_changed(old_url: str, new_url: str) -> bool:
    """Whether ``new_url`` leads somewhere else than ``old_url`` (scheme, host or port):
    stored credentials and secret query values must not follow it there."""
    return bool(old_url) and source_origin(old_url) != source_origin(new_url)


def source_secrets_restore(url: str, *, stored: str) -> str:
    """``url`` with each redacted secret query value (``token=***``, as the edit form and the
    API show a stored URL) replaced by the stored one, so that sending back what was shown
    keeps the secret. Only towards the same origin: a value entered for one host is not sent
    to another. Raises ``ValidationError`` for a placeholder that cannot be restored."""
    parts = urlsplit(url)
    if f"={REDACTED}" not in parts.query:
        return url
    stored_parts = urlsplit(stored) if stored else None
    same_origin = stored_parts is not None and not source_origin_changed(stored, url)
    stored_values: dict[str, list[str]] = {}
    if same_origin:
        for pair in stored_parts.query.split("&"):
            key, _, value = pair.partition("=")
            stored_values.setdefault(key.lower(), []).append(value)
    pairs = []
    for pair in parts.query.split("&"):
        key, sep, value = pair.partition("=")
        if value == REDACTED and is_secret_key(key):
            candidates = stored_values.get(key.lower())
            if not candidates:
                reason = (
                    "the stream's scheme, host or port changed, and stored secrets stay with "
                    "the host they were entered for"
                    if not same_origin
                    else "no value for it is stored"
                )
                raise ValidationError(
                    {"source_url": f"Enter the value of {unquote(key)!r} in the URL: {reason}."},
                    code="source_secret",
                )
            value = candidates.pop(0)
        pairs.append(key + sep + value)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pairs), parts.fragment))


def source_target(url: str) -> str:
    """What OpenCV opens for ``url``: a ``file://`` URL's local path (resolved, as the source
    rules checked it), any other URL as it is."""
    parts = urlsplit(url)
    return os.path.realpath(unquote(parts.path)) if parts.scheme.lower() == "file" else url


def open_capture(url: str, *, open_timeout: float, read_timeout: float) -> cv2.VideoCapture:
    """Open a source (rtsp, rtsps, http(s) MJPEG, file) with FFmpeg, under timeouts so that a
    dead or silent camera never blocks its caller for longer than them. The caller releases it.

    The deployment's source rules are checked again first
    (:func:`cameras.validators.validate_camera_source`): a name may resolve elsewhere than
    when the source was saved, and the rules may have changed. A refused source gives a
    capture that is not opened, as a dead one does.
    """
    import cv2  # only the processes that open streams pay for OpenCV

    try:
        validate_camera_source(url, opening=True)
    except ValidationError as refusal:
        logger.warning(
            "camera source %s refused: %s", redact_secrets(url), " ".join(refusal.messages)
        )
        return cv2.VideoCapture()

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
