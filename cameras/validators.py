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
    """A camera source must be an rtsp(s), http(s) or file URL with somewhere to go."""
    if not value or len(value) > 2000 or any(ch in value for ch in "\r\n\t "):
        raise ValidationError("Enter a stream URL without spaces.", code="source_url")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a malformed port
    except ValueError as exc:
        raise ValidationError(f"Malformed stream URL: {exc}.", code="source_url") from exc
    if parts.scheme not in SOURCE_SCHEMES:
        raise ValidationError(
            f"Unsupported stream scheme {parts.scheme or '(none)'!r}; use one of "
            + ", ".join(SOURCE_SCHEMES)
            + ".",
            code="source_url",
        )
    if parts.scheme == "file":
        if not parts.path.startswith("/"):
            raise ValidationError("A file source needs an absolute path: file:///path/video.mp4.")
        return
    if not parts.hostname:
        raise ValidationError("The stream URL has no host.", code="source_url")
    if port is not None and not 0 < port < 65536:
        raise ValidationError("The stream URL's port is out of range.", code="source_url")
