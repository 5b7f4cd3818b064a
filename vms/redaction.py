"""The one redaction of secrets in URLs and text, for everything that shows or keeps one.

Camera source URLs carry secrets two ways: credentials in the userinfo
(``rtsp://admin:hunter2@cam/live``) and keys or tokens in the query
(``http://cam/mjpeg?apikey=…``). :func:`redact_secrets` replaces both, in a URL or in any text
that contains URLs (a log line, an error message, an exception), and also bare ``key=value``
pairs whose key looks secret and HTTP ``Basic``/``Bearer`` authorisation values. Every place
that shows or keeps such text calls it: the console and API (``Camera.source_url_display``),
the change log (``cameras.sources.source_secret_mask``), probe messages, and every log record
(``vms.logging.RedactSecretsFilter``).

It lives in ``vms`` (the floor) so that the logging filter, which every process installs, needs
no app.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

REDACTED = "***"

# Query keys that carry secrets in cameras' and services' URLs (compared case-insensitively).
SECRET_KEYS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "auth",
        "authorization",
        "credential",
        "key",
        "pass",
        "passwd",
        "password",
        "pwd",
        "secret",
        "sig",
        "signature",
        "token",
    }
)
# A key made of words (``client_secret``, ``X-Amz-Signature``, ``refresh-token``) is secret
# when its last word is one of these.
SECRET_LAST_WORDS = frozenset(
    {
        "apikey",
        "credential",
        "key",
        "passwd",
        "password",
        "pwd",
        "secret",
        "sig",
        "signature",
        "token",
    }
)

# scheme://authority… up to whitespace, a quote or an angle bracket (how URLs end in text).
_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)([^\s'\"<>]*)")
# key=value after the start, whitespace or a query/fragment separator.
_PAIR = re.compile(r"(^|[\s?&;#,])([A-Za-z0-9_.%-]+)=([^&;#\s'\"<>,]*)")
_AUTHORIZATION = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{4,}")


def is_secret_key(name: str) -> bool:
    """Whether a query or form key names a secret (``apikey``, ``X-Amz-Signature``, …)."""
    key = unquote(name).strip().lower()
    if key in SECRET_KEYS:
        return True
    words = [word for word in re.split(r"[-_.]", key) if word]
    return len(words) > 1 and words[-1] in SECRET_LAST_WORDS


def _redact_pair(match: re.Match) -> str:
    lead, key, value = match.groups()
    if value and value != REDACTED and is_secret_key(key):
        return f"{lead}{key}={REDACTED}"
    return match.group(0)


def _redact_url(match: re.Match) -> str:
    scheme, rest = match.groups()
    # The userinfo ends at the last "@" before the query or fragment. Looking past the first
    # "/" (where RFC 3986 ends the authority) hides passwords typed with an unencoded "/".
    head = re.split(r"[?#]", rest, maxsplit=1)[0]
    if "@" in head:
        rest = REDACTED + rest[head.rindex("@") :]
    return scheme + rest


def redact_secrets(text: str) -> str:
    """``text`` (a URL, or any text containing URLs) with its secrets replaced by ``***``.

    * userinfo: ``rtsp://admin:pw@cam/live`` → ``rtsp://***@cam/live``;
    * secret-looking query and fragment values (:func:`is_secret_key`), also outside a URL:
      ``…?channel=1&apikey=abc`` → ``…?channel=1&apikey=***``;
    * ``Basic``/``Bearer`` authorisation values.

    Idempotent, and never raises: malformed URLs are redacted by the same patterns.
    """
    if not text:
        return text
    text = _URL.sub(_redact_url, text)
    text = _PAIR.sub(_redact_pair, text)
    return _AUTHORIZATION.sub(lambda m: f"{m.group(1)} {REDACTED}", text)


def has_secrets(text: str) -> bool:
    """Whether :func:`redact_secrets` would change ``text``."""
    return bool(text) and redact_secrets(text) != text
