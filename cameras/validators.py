"""Validation of what an admin types about a site or camera."""

from __future__ import annotations

import re
import zoneinfo
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

SOURCE_SCHEMES = ("rtsp", "rtsps", "http", "https", "file")

# Words that say nothing specific about why a camera watches: "for safety", "security
# purposes", "general monitoring". A purpose made only of these (and filler) is rejected.
VAGUE_WORDS = {
    "a",
    "all",
    "an",
    "and",
    "any",
    "area",
    "areas",
    "business",
    "camera",
    "cameras",
    "cctv",
    "control",
    "crime",
    "for",
    "general",
    "generally",
    "good",
    "in",
    "improve",
    "improving",
    "legitimate",
    "monitor",
    "monitoring",
    "of",
    "operational",
    "other",
    "our",
    "people",
    "premises",
    "prevention",
    "protection",
    "purpose",
    "purposes",
    "reason",
    "reasons",
    "recording",
    "safety",
    "secure",
    "security",
    "surveillance",
    "the",
    "to",
    "various",
    "video",
    "watch",
    "watching",
    "with",
}
MIN_PURPOSE_WORDS = 6
MIN_SPECIFIC_WORDS = 3

# Jurisdictions whose rules differ by state or province: a site there must name its state.
COUNTRIES_REQUIRING_REGION = {"US", "CA", "AU"}
US_STATES = {
    "AL",
    "AK",
    "AZ",
    "AR",
    "CA",
    "CO",
    "CT",
    "DE",
    "DC",
    "FL",
    "GA",
    "HI",
    "ID",
    "IL",
    "IN",
    "IA",
    "KS",
    "KY",
    "LA",
    "ME",
    "MD",
    "MA",
    "MI",
    "MN",
    "MS",
    "MO",
    "MT",
    "NE",
    "NV",
    "NH",
    "NJ",
    "NM",
    "NY",
    "NC",
    "ND",
    "OH",
    "OK",
    "OR",
    "PA",
    "PR",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VT",
    "VA",
    "WA",
    "WV",
    "WI",
    "WY",
}


def validate_specific_purpose(text: str) -> None:
    """Reject a purpose that does not say what is watched, where, and why."""
    words = re.findall(r"[a-zA-Z0-9']+", (text or "").lower())
    specific = [w for w in words if w not in VAGUE_WORDS and len(w) > 2]
    if len(words) < MIN_PURPOSE_WORDS or len(specific) < MIN_SPECIFIC_WORDS:
        raise ValidationError(
            "The purpose is too vague. Say specifically what the camera watches and why, "
            "for example: 'Detect unauthorised entry to the server room outside opening "
            "hours and record evidence for incident investigation'.",
            code="vague_purpose",
        )


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone.", code="time_zone")


def validate_region(country: str, region: str) -> None:
    """A site in a country whose law varies by state must name the state."""
    if country in COUNTRIES_REQUIRING_REGION and not region:
        raise ValidationError(
            {"region": "Sites in this country need a state or province: rules differ by it."}
        )
    if country == "US" and region and region.upper() not in US_STATES:
        raise ValidationError({"region": f"{region!r} is not a US state code (e.g. IL, CA)."})


def validate_source_url(value: str) -> None:
    """A camera source must be an rtsp(s), http(s) or file URL with somewhere to go.

    The model field's validator: the URL's shape only, no look-ups. Where a source may point
    is :func:`validate_camera_source`'s to say."""
    if not value or len(value) > 2000 or any(ch in value for ch in "\r\n\t "):
        raise ValidationError("Enter a stream URL without spaces.", code="source_url")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise ValidationError(f"Malformed stream URL: {exc}.", code="source_url") from exc
    if parts.scheme.lower() not in SOURCE_SCHEMES:
        raise ValidationError(
            f"Unsupported stream scheme {parts.scheme or '(none)'!r}; use one of "
            + ", ".join(SOURCE_SCHEMES)
            + ".",
            code="source_url",
        )
    if parts.scheme.lower() == "file":
        if not parts.path.startswith("/"):
            raise ValidationError("A file source needs an absolute path: file:///path/video.mp4.")
        return
    if not parts.hostname:
        raise ValidationError("The stream URL has no host.", code="source_url")
    if port is not None and not 0 < port < 65536:
        raise ValidationError("The stream URL's port is out of range.", code="source_url")


def validate_camera_source(value: str, *, opening: bool = False) -> None:
    """Where a camera's stream may come from: the one rule, for the form, the API, the
    registry services, and again whenever a source is opened (DNS answers change).

    * ``file:`` — only inside the media directories the deployment configures
      (``CAMERA_FILE_ROOTS``), after resolving ``..`` and symbolic links. The refusal is the
      same whether the file exists, is unreadable or is elsewhere, and never names the path.
    * rtsp, rtsps, http, https — the host's addresses (a name is resolved: every address must
      pass) are checked by :func:`cameras.source_policy.address_refusal`: public addresses
      pass; loopback, link-local, private, multicast and other special ranges only inside a
      network the deployment allows; denied networks and cloud metadata addresses never.

    A host name that does not resolve is accepted when saving (it may resolve only where the
    engine runs) and refused when ``opening``. Raises ``ValidationError`` (code
    ``source_refused``, or ``source_unresolved`` when opening an unresolvable host).
    """
    from cameras.source_policy import (
        address_refusal,
        file_source_allowed,
        is_address_literal,
        resolve_host,
    )

    validate_source_url(value)
    parts = urlsplit(value)
    if parts.scheme.lower() == "file":
        if not file_source_allowed(parts):
            raise ValidationError(
                "File sources must be inside a media directory this deployment allows "
                "(VMS_CAMERA_FILE_ROOTS).",
                code="source_refused",
            )
        return
    addresses = resolve_host(parts.hostname, parts.port)
    if addresses is None:
        if opening:
            raise ValidationError(
                "The stream's host name does not resolve.", code="source_unresolved"
            )
        return
    named = not is_address_literal(parts.hostname)
    for address in addresses:
        refusal = address_refusal(address, named=named)
        if refusal:
            raise ValidationError(refusal, code="source_refused")
