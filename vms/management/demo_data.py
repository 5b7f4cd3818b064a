"""The demo installation: two sites, cameras on the local demo streams, one user per role.

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
    },
    "Warehouse North": {
        "address": "200 Example Avenue, Chicago, IL 60601",
        "time_zone": "America/Chicago",
        "country": "US",
        "region": "IL",
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
        setattr(site, key, value)
    site.full_clean()
    site.save()
    return site


def _camera_upsert(*, site: Site, name: str, url: str, purpose: str, lawful_basis: str) -> Camera:
    camera = Camera.objects.filter(site=site, name=name).first() or Camera(site=site, name=name)
    if camera.pk and camera.source_url != url:
        # New stream ports: the old measurements describe another source.
        camera.probe_failures = 0
        camera.next_probe_at = None
    camera.source_url = url
    camera.purpose = purpose
    camera.lawful_basis = lawful_basis
    camera.enabled = True
    camera.full_clean()
    camera.save()
    return camera


def _demo_rules(camera: Camera) -> None:
    """A watched area over the lower two thirds of the view, and a person-in-zone rule."""
    from analytics.models import Rule, Zone

    zone, _ = Zone.objects.get_or_create(
        camera=camera,
        name="Floor",
        defaults={"kind": Zone.Kind.AREA, "points": [[0, 0.33], [1, 0.33], [1, 1], [0, 1]]},
    )
    Rule.objects.get_or_create(
        camera=camera,
        name="Person on the floor",
        defaults={
            "kind": Rule.Kind.PERSON_IN_ZONE,
            "zone": zone,
            "min_confidence": 0.5,
            "cooldown_seconds": 60,
        },
    )


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
