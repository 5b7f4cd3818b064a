"""Writes to the site and camera registry.

Every write re-checks the actor's right inside the transaction (the gate is the source of
truth, not the view that called), validates the whole model, and leaves the change log to
django-auditlog with the actor set by the caller's context (request middleware, or
``compliance.services.acting_as`` in tasks and commands).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from guardian.shortcuts import get_users_with_perms

from cameras.models import Camera, Site
from cameras.sources import source_origin_changed, source_secrets_restore, split_credentials
from cameras.validators import validate_camera_source
from vms.permissions import (
    Perm,
    get_restricted_or_404,
    has_permission,
    require_model_permission,
    require_permission,
)
from vms.realtime import send_to_camera_on_commit, send_to_user_on_commit

SITE_FIELDS = ("name", "address", "time_zone", "country", "region", "signage_enforcement")
CAMERA_FIELDS = (
    "name",
    "site",
    "source_url",
    "source_username",
    "source_password",
    "purpose",
    "lawful_basis",
    "lawful_basis_note",
    "subject_categories",
    "films_public_space",
    "retention_hours",
    "retention_justification",
    "enabled",
    "analytics_enabled",
    "analytics_fps",
    "anonymize_mode",
    "recording_mode",
    "recording_pre_roll_seconds",
    "recording_post_roll_seconds",
    "face_recognition_enabled",
    "plate_recognition_enabled",
)


SOURCE_FIELDS = ("source_url", "source_username", "source_password")


def _require_source_permission(actor, fields: dict[str, Any]) -> None:
    """Setting a camera's source is for those who may read it (Admin): the source is the
    un-anonymised stream."""
    if any(fields.get(name) for name in SOURCE_FIELDS):
        require_permission(
            actor, Perm.VIEW_CAMERA_SOURCE, "You may not set a camera's stream source."
        )


def _source_input(camera: Camera, fields: dict[str, Any]) -> None:
    """Normalise a submitted source in place: credentials typed into the URL move to their own
    fields (unless those were given too), and secret query values sent back redacted
    (``token=***``) get their stored value back — towards the same origin only."""
    if fields.get("source_url") is None:
        fields.pop("source_url", None)
        return
    url, url_user, url_password = split_credentials(str(fields["source_url"]).strip())
    fields["source_url"] = source_secrets_restore(url, stored=camera.source_url)
    if url_user and not fields.get("source_username"):
        fields["source_username"] = url_user
    if url_password and not fields.get("source_password"):
        fields["source_password"] = url_password


def _apply_source(camera: Camera, fields: dict[str, Any]) -> None:
    """Set a new source (checked against the deployment's source rules) and credentials.

    Blank username/password inputs mean "unchanged", as with password fields everywhere —
    except when the source moves to another scheme, host or port: stored credentials are
    bound to the origin they were entered for, so they are cleared unless given again in the
    same change, and never reach the new host.
    """
    url = fields.pop("source_url", None)
    username = fields.pop("source_username", None)
    password = fields.pop("source_password", None)
    if url is not None:
        try:
            validate_camera_source(url)
        except ValidationError as refusal:
            raise ValidationError({"source_url": refusal.messages}) from refusal
        if source_origin_changed(camera.source_url, url):
            camera.source_username = camera.source_password = ""
        camera.source_url = url
    if username:
        camera.source_username = username
    if password:
        camera.source_password = password


def _watchers_recheck(camera: Camera, *, moved_to: Site | None) -> None:
    """On commit, tell every socket delivering ``camera`` to re-check its scope: a move to
    another site or a disable changes who may watch it. Users assigned to the site it moved
    to re-check too, so their alert sockets start following it."""
    event = {"type": "access.changed"}
    send_to_camera_on_commit(camera.pk, event)
    if moved_to is not None:
        assigned = get_users_with_perms(moved_to, only_with_perms_in=["view_site"])
        for user_id in assigned.values_list("pk", flat=True):
            send_to_user_on_commit(user_id, event)


@transaction.atomic
def site_create(*, actor, **fields: Any) -> Site:
    """Create a site. Needs the model-level ``add_site`` permission (Admin)."""
    require_model_permission(actor, Site, "add")
    site = Site(**{k: v for k, v in fields.items() if k in SITE_FIELDS})
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def site_update(*, actor, site: Site, **fields: Any) -> Site:
    """Change a site's details; the actor must be allowed to change that site."""
    site = get_restricted_or_404(Site.objects.select_for_update(no_key=True), actor, "change", pk=site.pk)
    for name, value in fields.items():
        if name in SITE_FIELDS:
            setattr(site, name, value)
    site.full_clean()
    site.save()
    return site


@transaction.atomic
def camera_register(*, actor, site: Site, **fields: Any) -> Camera:
    """Register a camera on a site the actor may see, with a specific purpose.

    Credentials typed into ``source_url`` (``rtsp://user:pass@host``) are stored apart and
    never shown again. Setting the source needs ``Perm.VIEW_CAMERA_SOURCE`` besides
    ``add_camera``.
    """
    require_model_permission(actor, Camera, "add")
    _require_source_permission(actor, fields)
    if not Site.objects.restrict(actor, "view").filter(pk=site.pk).exists():
        raise PermissionDenied("You may not add cameras to this site.")
    camera = Camera(site=site)
    fields = {k: v for k, v in fields.items() if k in CAMERA_FIELDS and k != "site"}
    _source_input(camera, fields)
    _apply_source(camera, fields)
    for name, value in fields.items():
        setattr(camera, name, value)
    camera.full_clean()
    camera.save()
    return camera


@transaction.atomic
def camera_update(*, actor, camera: Camera, **fields: Any) -> Camera:
    """Change a camera's registration. Measured facts are the probe's, not the actor's; a
    new source needs ``Perm.VIEW_CAMERA_SOURCE`` and passes the deployment's source rules.

    A source moved to another scheme, host or port loses its stored username and password
    unless they are given again in the same change (``source_username``/``source_password``
    or in the URL): credentials are bound to the host they were entered for.
    """
    camera = get_restricted_or_404(
        Camera.objects.select_for_update(no_key=True), actor, "change", pk=camera.pk
    )
    fields = {k: v for k, v in fields.items() if k in CAMERA_FIELDS}
    if fields.get("source_url") in (camera.source_url, camera.source_url_display):
        fields.pop("source_url")  # sent back as stored or as shown (a full form): unchanged
    _require_source_permission(actor, fields)
    _source_input(camera, fields)
    if fields.get("source_url") == camera.source_url:
        fields.pop("source_url")  # the same source, credentials moved to their fields
    new_site = fields.pop("site", None)
    moved_to = new_site if new_site is not None and new_site.pk != camera.site_id else None
    enabled_changed = "enabled" in fields and bool(fields["enabled"]) != camera.enabled
    if new_site is not None and new_site.pk != camera.site_id:
        if not Site.objects.restrict(actor, "view").filter(pk=new_site.pk).exists():
            raise PermissionDenied("You may not move cameras to this site.")
        camera.site = new_site
    source_changed = "source_url" in fields and fields["source_url"] != camera.source_url
    _apply_source(camera, fields)
    for name, value in fields.items():
        setattr(camera, name, value)
    if source_changed:
        # A new source has not been measured yet: probe it soon.
        camera.probe_failures = 0
        camera.next_probe_at = None
    camera.full_clean()
    camera.save()
    if moved_to is not None or enabled_changed:
        _watchers_recheck(camera, moved_to=moved_to)
    return camera


def camera_disable(*, actor, camera: Camera) -> Camera:
    """Stop using a camera: no analytics, no live view. The record and its history stay."""
    return camera_update(actor=actor, camera=camera, enabled=False)


@transaction.atomic
def camera_detail_open(*, actor, camera_id, request=None) -> Camera:
    """Open a camera's detail for the actor, and record that they looked (an access event)."""
    from compliance.models import AccessKind
    from compliance.services import access_event_record

    camera = get_restricted_or_404(
        Camera.objects.select_related("site"), actor, "view", pk=camera_id
    )
    access_event_record(kind=AccessKind.CAMERA_VIEW, actor=actor, target=camera, request=request)
    return camera


@transaction.atomic
def camera_source_open(*, actor, camera_id, request=None) -> Camera:
    """Open a camera's stream source for the actor (``Perm.VIEW_CAMERA_SOURCE``), and record
    it: the source leads to the un-anonymised video.

    Without the permission the camera answers 404 like a missing one, as it does outside the
    actor's scope.
    """
    from compliance.models import AccessKind
    from compliance.services import access_event_record

    if not has_permission(actor, Perm.VIEW_CAMERA_SOURCE):
        raise Http404("No camera matches the given query.")
    camera = get_restricted_or_404(Camera.objects.all(), actor, "view", pk=camera_id)
    access_event_record(
        kind=AccessKind.CAMERA_VIEW,
        actor=actor,
        target=camera,
        data={"part": "source"},
        request=request,
    )
    return camera
