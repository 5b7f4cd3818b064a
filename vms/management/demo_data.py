"""The demo installation: two sites, cameras on the local demo streams, one user per role,
and on every camera the rules a real site would start with: a restricted area after hours, a
line crossing and loitering, each at most twice an hour.

Idempotent: a second run finds what the first made and brings it back to the demo's state
(camera sources follow the stream ports of this run). Demo users get new random passwords at
every run; they are returned to the caller to print and are never written to disk.

Writes go through the ORM with ``full_clean()`` rather than the registry services: those check
the *actor's* permissions, and the actor here is the system account, which holds no role. The
audit trail still records every change with that actor (``acting_as``).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from guardian.shortcuts import assign_perm

from accounts.roles import Role
from cameras.models import Camera, Site
from compliance.services import acting_as

logger = logging.getLogger(__name__)

DEMO_SITES = {
    "Demo HQ": {
        "address": "1 Example Street, London EC1A 1AA",
        "time_zone": "Europe/London",
        "country": "GB",
        "region": "",
        # The demo has no printed signs: analytics run, the gap is flagged.
        "signage_enforcement": "warn",
        "after_hours": (time(19, 0), time(7, 0)),
    },
    "Warehouse North": {
        "address": "200 Example Avenue, Chicago, IL 60601",
        "time_zone": "America/Chicago",
        "country": "US",
        "region": "IL",
        "signage_enforcement": "warn",
        "after_hours": (time(22, 0), time(6, 0)),  # the warehouse camera's stated purpose
    },
}
HQ, WAREHOUSE = "Demo HQ", "Warehouse North"

# (role, username); guards and supervisors are assigned to Demo HQ only, so the warehouse
# camera shows what scoping hides from them.
DEMO_USERS = [
    (Role.GUARD, "demo-guard"),
    (Role.SUPERVISOR, "demo-supervisor"),
    (Role.DPO, "demo-dpo"),
    (Role.ADMIN, "demo-admin"),
]
SITE_SCOPED_ROLES = {Role.GUARD, Role.SUPERVISOR}

WAREHOUSE_CAMERA = "Warehouse dock"
WAREHOUSE_PURPOSE = (
    "Detect unauthorised entry to the loading bay outside operating hours (22:00-06:00) "
    "and record deliveries for dispute resolution."
)


@dataclass(frozen=True)
class DemoCredential:
    role: str
    username: str
    password: str


@dataclass(frozen=True)
class DemoSeedResult:
    sites: list[Site]
    cameras: list[Camera]
    credentials: list[DemoCredential]


def _demo_sources(*, rtsp_port: int, http_port: int, data_dir: Path) -> list:
    try:
        from cameras.demo import demo_camera_sources
    except ImportError:
        logger.warning("cameras.demo is not available: seeding no demo cameras")
        return []
    return list(demo_camera_sources(rtsp_port=rtsp_port, http_port=http_port, data_dir=data_dir))


def _site_upsert(name: str, fields: dict) -> Site:
    site = Site.objects.filter(name=name).first() or Site(name=name)
    for key, value in fields.items():
        if key != "after_hours":  # the demo rules' setting, not the site's
            setattr(site, key, value)
    site.full_clean()
    site.save()
    return site


DEMO_BALANCING_NOTE = (
    "Protecting staff and property at this site is a real interest; the camera covers only "
    "the areas named in its purpose, people are told by signs, and video is kept 72 hours."
)


def _camera_upsert(*, site: Site, name: str, url: str, purpose: str, lawful_basis: str) -> Camera:
    camera = Camera.objects.filter(site=site, name=name).first() or Camera(site=site, name=name)
    if camera.pk and camera.source_url != url:
        # New stream ports: the old measurements describe another source.
        camera.probe_failures = 0
        camera.next_probe_at = None
    camera.source_url = url
    camera.purpose = purpose
    camera.lawful_basis = lawful_basis
    if not camera.lawful_basis_note:
        camera.lawful_basis_note = DEMO_BALANCING_NOTE
    if not camera.subject_categories:
        camera.subject_categories = ["staff", "visitors"]
    camera.enabled = True
    camera.full_clean()
    camera.save()
    return camera


# The demo's rules, the same on every demo camera: each scene is a person walking back and
# forth over the floor (feet in the lower 45 % of the view, between 15 % and 70 % of its
# width), so each rule would fire every few seconds; the cool-downs make it a few alerts an
# hour per camera, as a well-tuned site has, rather than teaching alert fatigue. (name, kind,
# points) of each zone, in frame fractions:
DEMO_ZONES = [
    ("Restricted area", "area", [[0.6, 0.55], [1.0, 0.55], [1.0, 1.0], [0.6, 1.0]]),
    ("Entrance", "line", [[0.4, 0.55], [0.4, 1.0]]),
    ("Waiting area", "area", [[0.0, 0.55], [1.0, 0.55], [1.0, 1.0], [0.0, 1.0]]),
]
DEMO_RULE_COOLDOWN_SECONDS = 30 * 60  # at most two alerts an hour per rule
# Rules the first demo seeded; a refreshed demo turns them off (their alerts keep them).
LEGACY_DEMO_RULES = ["Person on the floor"]


def _after_hours(site_name: str) -> tuple[time, time]:
    return DEMO_SITES[site_name]["after_hours"]


def demo_rule_fields(site_name: str) -> dict[str, dict]:
    """The demo's rules by name: their zone and settings (``Rule`` fields)."""
    start, end = _after_hours(site_name)
    return {
        "Restricted area after hours": {
            "kind": "person_in_zone",
            "zone": "Restricted area",
            "active_from": start,
            "active_until": end,
        },
        "Entrance line crossed": {"kind": "line_crossing", "zone": "Entrance"},
        "Loitering in the waiting area": {
            "kind": "loitering",
            "zone": "Waiting area",
            "dwell_seconds": 120,
        },
    }


def _demo_rules(camera: Camera) -> None:
    """The demo's zones and rules on ``camera``, brought back to the demo's settings."""
    from analytics.models import Rule, Zone

    zones = {}
    for name, kind, points in DEMO_ZONES:
        zone = Zone.objects.filter(camera=camera, name=name).first() or Zone(
            camera=camera, name=name
        )
        zone.kind, zone.points = kind, points
        zone.full_clean()
        zone.save()
        zones[name] = zone
    for name, fields in demo_rule_fields(camera.site.name).items():
        rule = Rule.objects.filter(camera=camera, name=name).first() or Rule(
            camera=camera, name=name
        )
        rule.kind = fields["kind"]
        rule.zone = zones[fields["zone"]]
        rule.active_from = fields.get("active_from")
        rule.active_until = fields.get("active_until")
        rule.dwell_seconds = fields.get("dwell_seconds", 30)
        rule.min_confidence = 0.5
        rule.cooldown_seconds = DEMO_RULE_COOLDOWN_SECONDS
        rule.enabled = True
        rule.full_clean()
        rule.save()
    for rule in Rule.objects.filter(camera=camera, name__in=LEGACY_DEMO_RULES, enabled=True):
        rule.enabled = False
        rule.save()  # save(), not update(): the change log keeps who turned it off


def _user_upsert(*, role: Role, username: str) -> DemoCredential:
    User = get_user_model()
    user = User.objects.filter(username=username).first() or User(username=username)
    user.first_name = "Demo"
    user.last_name = role.label
    user.is_active = True
    user.is_staff = role == Role.ADMIN
    password = secrets.token_urlsafe(15)  # 20 characters, ~120 bits
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    user.groups.set([Group.objects.get(name=role.value)])
    return DemoCredential(role=role.value, username=username, password=password)


def demo_seed(*, rtsp_port: int, http_port: int, data_dir: Path) -> DemoSeedResult:
    """Create or refresh the demo sites, cameras and users; return the users' new passwords."""
    sources = _demo_sources(rtsp_port=rtsp_port, http_port=http_port, data_dir=data_dir)
    with acting_as(), transaction.atomic():
        sites = {name: _site_upsert(name, fields) for name, fields in DEMO_SITES.items()}
        cameras = [
            _camera_upsert(
                site=sites[HQ],
                name=source.name,
                url=source.url,
                purpose=source.purpose,
                lawful_basis=source.lawful_basis,
            )
            for source in sources
        ]
        if sources:
            # The file source again, on the other site: visible to DPO and Admin only.
            source = next((s for s in sources if s.url.startswith("file:")), sources[0])
            cameras.append(
                _camera_upsert(
                    site=sites[WAREHOUSE],
                    name=WAREHOUSE_CAMERA,
                    url=source.url,
                    purpose=WAREHOUSE_PURPOSE,
                    lawful_basis=source.lawful_basis,
                )
            )
        for camera in cameras:
            _demo_rules(camera)
        credentials = []
        for role, username in DEMO_USERS:
            credentials.append(_user_upsert(role=role, username=username))
            if role in SITE_SCOPED_ROLES:
                user = get_user_model().objects.get(username=username)
                assign_perm("cameras.view_site", user, sites[HQ])
    return DemoSeedResult(sites=list(sites.values()), cameras=cameras, credentials=credentials)
