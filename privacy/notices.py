"""What a site's privacy notice says, generated from the live configuration.

:func:`notice_content_build` turns a site and its enabled cameras into the notice's content
(plain JSON, rendered by the public page as published); :func:`notice_lines` turns content
into the lines a diff compares; :func:`notice_printed` is the part a first-layer sign
prints. The controller's details, recipients and transfers are deployment facts, read from
settings (``PRIVACY_CONTROLLER`` …) or the environment (``VMS_CONTROLLER_NAME`` …).
"""

from __future__ import annotations

import os

from django.conf import settings

from cameras.models import Camera, LawfulBasis, Site, SubjectCategory
from privacy.clocks import GDPR_COUNTRIES

DEFAULT_RECIPIENTS = [
    "Staff of the controller who need to see video for the purposes above",
    "Police, courts or insurers, where the law requires or allows disclosure",
]
DEFAULT_TRANSFERS = "None: video is kept on the controller's own systems."
RIGHTS = [
    "Access: ask for a copy of video of you (give the date, time and place).",
    "Erasure and restriction: ask us to delete or stop using video of you.",
    "Objection: object to filming based on legitimate interests.",
    "Complaint: complain to your data protection authority.",
]
# Jurisdictions whose law requires a notice where people are filmed (the GDPR's and its UK
# and Swiss counterparts): a camera without a covering sign there is blocked by default rather
# than merely flagged.
NOTICE_REQUIRED_COUNTRIES = GDPR_COUNTRIES


def _setting(name: str, default: str = "") -> str:
    return getattr(settings, f"PRIVACY_{name}", None) or os.environ.get(f"VMS_{name}", default)


def controller_details() -> dict:
    """Who is responsible, and how to reach them and their DPO."""
    return {
        "name": _setting("CONTROLLER_NAME", "The operator of these premises"),
        "address": _setting("CONTROLLER_ADDRESS"),
        "contact": _setting("CONTROLLER_CONTACT"),
        "dpo_contact": _setting("DPO_CONTACT"),
        "request_url": _setting("REQUEST_URL"),
    }


def _retention_words(hours: int) -> str:
    if hours % 24 == 0 and hours > 72:
        return f"{hours // 24} days"
    return f"{hours} hours"


def _camera_content(camera: Camera) -> dict:
    categories = dict(SubjectCategory.choices)
    hours = camera.effective_retention_hours
    return {
        "id": camera.pk,
        "name": camera.name,
        "purpose": camera.purpose,
        "lawful_basis": camera.lawful_basis,
        "lawful_basis_label": camera.get_lawful_basis_display(),
        # Art. 13(1)(d): the legitimate interests pursued are part of the notice.
        "legitimate_interests": (
            camera.lawful_basis_note
            if camera.lawful_basis == LawfulBasis.LEGITIMATE_INTERESTS
            else ""
        ),
        "people": [str(categories.get(c, c)) for c in camera.subject_categories],
        "public_space": camera.films_public_space,
        "retention_hours": hours,
        "retention": _retention_words(hours),
        "analytics": camera.analytics_in_use,
        "face_recognition": camera.face_recognition_enabled,
        "plate_recognition": camera.plate_recognition_enabled,
    }


def is_california(site: Site) -> bool:
    return str(site.country) == "US" and site.region == "CA"


def is_illinois(site: Site) -> bool:
    return str(site.country) == "US" and site.region == "IL"


def notice_required(site: Site) -> bool:
    """Whether the site's law requires people to be told before they are filmed."""
    return (
        str(site.country) in NOTICE_REQUIRED_COUNTRIES or is_california(site) or is_illinois(site)
    )


def _ccpa_section(cameras: list[dict]) -> dict:
    """CCPA regulations §7012: the notice at collection."""
    biometric = any(c["face_recognition"] for c in cameras)
    categories = ["Identifiers and physical characteristics visible in video (images of you)"]
    if any(c["plate_recognition"] for c in cameras):
        categories.append("Vehicle licence plate numbers")
    if biometric:
        categories.append("Biometric information (face templates) — sensitive personal information")
    return {
        "categories": categories,
        "purposes": sorted({c["purpose"] for c in cameras}),
        "sold_or_shared": "We do not sell or share this personal information.",
        "retention": [f"{c['name']}: {c['retention']}" for c in cameras],
        "sensitive_limit": biometric,
    }


def _bipa_section(cameras: list[dict]) -> dict:
    """Illinois BIPA §15: biometric collection, purpose, retention schedule."""
    biometric = [c for c in cameras if c["face_recognition"]]
    return {
        "cameras": [c["name"] for c in biometric],
        "purposes": sorted({c["purpose"] for c in biometric}),
        "retention": [f"{c['name']}: {c['retention']}" for c in biometric],
        "destruction": (
            "Biometric identifiers are destroyed when the purpose is met or within 3 years of "
            "your last interaction, whichever comes first."
        ),
        "consent": "We collect biometric identifiers only with your written release.",
    }


def notice_content_build(site: Site, *, policy: dict | None = None) -> dict:
    """The notice for ``site`` as the configuration says now (enabled cameras only)."""
    cameras = [
        _camera_content(camera)
        for camera in Camera.objects.filter(site=site, enabled=True).order_by("name", "pk")
    ]
    content = {
        "site": {
            "name": site.name,
            "address": site.address,
            "country": str(site.country),
            "region": site.region,
        },
        "controller": controller_details(),
        "cameras": cameras,
        "recipients": list(getattr(settings, "PRIVACY_RECIPIENTS", DEFAULT_RECIPIENTS)),
        "transfers": _setting("TRANSFERS", DEFAULT_TRANSFERS),
        "rights": RIGHTS,
        "policy": policy,
        "ccpa": _ccpa_section(cameras) if is_california(site) else None,
        "bipa": None,
    }
    # "Where biometrics could be processed": face recognition on any camera of the site.
    if is_illinois(site) and any(c["face_recognition"] for c in cameras):
        content["bipa"] = _bipa_section(cameras)
    return content


def notice_printed(content: dict) -> dict:
    """What a first-layer sign prints: who, why, on what basis, how long, recognition,
    transfers and the contact. A change here makes signs stale."""
    cameras = content["cameras"]
    return {
        "controller": content["controller"]["name"],
        "contact": content["controller"]["contact"],
        "dpo_contact": content["controller"]["dpo_contact"],
        "purposes": sorted({c["purpose"] for c in cameras}),
        "lawful_bases": sorted({c["lawful_basis_label"] for c in cameras}),
        "retention": sorted({c["retention"] for c in cameras}),
        "analytics": any(c["analytics"] for c in cameras),
        "face_recognition": any(c["face_recognition"] for c in cameras),
        "plate_recognition": any(c["plate_recognition"] for c in cameras),
        "transfers": content["transfers"],
    }


def notice_lines(content: dict) -> list[str]:
    """The notice as lines of text, in page order: what a diff between versions compares."""
    site, controller = content["site"], content["controller"]
    lines = [f"Site: {site['name']}", f"Address: {site['address']}"]
    lines.append(f"Controller: {controller['name']}")
    if controller["contact"]:
        lines.append(f"Contact: {controller['contact']}")
    if controller["dpo_contact"]:
        lines.append(f"Data protection officer: {controller['dpo_contact']}")
    for camera in content["cameras"]:
        prefix = f"Camera {camera['name']}:"
        lines.append(f"{prefix} purpose: {camera['purpose']}")
        lines.append(f"{prefix} lawful basis: {camera['lawful_basis_label']}")
        if camera["legitimate_interests"]:
            lines.append(f"{prefix} legitimate interests: {camera['legitimate_interests']}")
        lines.append(f"{prefix} people filmed: {', '.join(camera['people']) or 'not stated'}")
        lines.append(f"{prefix} public space: {'yes' if camera['public_space'] else 'no'}")
        lines.append(f"{prefix} kept for: {camera['retention']}")
        lines.append(f"{prefix} analytics: {'; '.join(camera['analytics']) or 'none'}")
    lines += [f"Recipient: {r}" for r in content["recipients"]]
    lines.append(f"Transfers: {content['transfers']}")
    policy = content.get("policy")
    if policy:
        lines.append(f"Privacy policy: version {policy['number']}, effective {policy['effective']}")
    for name in ("ccpa", "bipa"):
        section = content.get(name)
        if section:
            for key, value in section.items():
                lines.append(f"{name.upper()} {key}: {value}")
    return lines
