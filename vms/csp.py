"""The base Content-Security-Policy: scripts, styles, fonts, pictures and media from Veil only, no
inline script or style anywhere; live frames shown as blob: URLs, recorded video played from a
blob: Media Source. Standard library only: the settings import it (``vms.headers`` adds
per-request extras)."""

from __future__ import annotations


def csp_base_directives() -> dict[str, list[str]]:
    """A fresh copy of the directives (callers may add to it)."""
    return {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],  # recorded video plays through Media Source
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
