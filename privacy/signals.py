"""Keep every site's privacy notice true: a saved change to a camera or site that alters
what the notice says publishes a new version, in the same transaction.

Cameras are saved often for bookkeeping (the health probe, status); a snapshot of the
fields a notice reads, taken when the instance is loaded, lets those saves through without
building anything.
"""

from __future__ import annotations

from django.db.models.signals import post_init, post_save

from cameras.models import Camera, Site

CAMERA_NOTICE_FIELDS = (
    "name",
    "site_id",
    "purpose",
    "lawful_basis",
    "lawful_basis_note",
    "subject_categories",
    "films_public_space",
    "retention_approved_hours",
    "retention_hours",
    "enabled",
    "analytics_enabled",
    "recording_mode",
    "face_recognition_enabled",
    "plate_recognition_enabled",
)
SITE_NOTICE_FIELDS = ("name", "address", "country", "region", "signage_enforcement")
FIELD_WORDS = {
    "retention_approved_hours": "retention approved",
    "site_id": "site",
    "lawful_basis_note": "balancing test",
}
_UNKNOWN = object()


def _snapshot(instance, fields) -> dict:
    # From the instance's dict only: reading a deferred field here would cost a query.
    values = vars(instance)
    snapshot = {}
    for name in fields:
        value = values.get(name, _UNKNOWN)
        snapshot[name] = tuple(value) if isinstance(value, list) else value
    return snapshot


def _changed(instance, fields, created: bool) -> list[str]:
    before = getattr(instance, "_notice_snapshot", None)
    after = _snapshot(instance, fields)
    if created or before is None:
        return list(fields)
    return [name for name in fields if before[name] is _UNKNOWN or before[name] != after[name]]


def _remember_camera(sender, instance, **kwargs) -> None:
    instance._notice_snapshot = _snapshot(instance, CAMERA_NOTICE_FIELDS)


def _remember_site(sender, instance, **kwargs) -> None:
    instance._notice_snapshot = _snapshot(instance, SITE_NOTICE_FIELDS)


def _words(fields: list[str]) -> str:
    return ", ".join(FIELD_WORDS.get(name, name.replace("_", " ")) for name in fields)


def _camera_saved(sender, instance: Camera, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    changed = _changed(instance, CAMERA_NOTICE_FIELDS, created)
    before = getattr(instance, "_notice_snapshot", None) or {}
    instance._notice_snapshot = _snapshot(instance, CAMERA_NOTICE_FIELDS)
    if not changed:
        return
    from privacy.services.notices import notice_publish
    from privacy.services.signs import camera_analytics_holds_refresh

    verb = "registered" if created else f"changed ({_words(changed)})"
    cause = f"Camera “{instance.name}” {verb}"
    notice_publish(site_id=instance.site_id, cause=cause)
    camera_analytics_holds_refresh(site_id=instance.site_id)
    old_site = before.get("site_id")
    if old_site not in (None, _UNKNOWN, instance.site_id):
        notice_publish(site_id=old_site, cause=f"Camera “{instance.name}” moved to another site")


def _site_saved(sender, instance: Site, created: bool, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    changed = _changed(instance, SITE_NOTICE_FIELDS, created)
    instance._notice_snapshot = _snapshot(instance, SITE_NOTICE_FIELDS)
    if not changed:
        return
    from privacy.services.notices import notice_publish
    from privacy.services.signs import camera_analytics_holds_refresh

    verb = "created" if created else f"changed ({_words(changed)})"
    notice_publish(site_id=instance.pk, cause=f"Site “{instance.name}” {verb}")
    camera_analytics_holds_refresh(site_id=instance.pk)


def _notice_published(sender, version, previous, **kwargs) -> None:
    from privacy.services.signs import signs_mark_stale

    signs_mark_stale(version=version)


def connect() -> None:
    from privacy.services.notices import notice_published

    notice_published.connect(_notice_published, dispatch_uid="privacy-signs-stale")
    post_init.connect(_remember_camera, sender=Camera, dispatch_uid="privacy-notice-camera-init")
    post_init.connect(_remember_site, sender=Site, dispatch_uid="privacy-notice-site-init")
    post_save.connect(_camera_saved, sender=Camera, dispatch_uid="privacy-notice-camera-saved")
    post_save.connect(_site_saved, sender=Site, dispatch_uid="privacy-notice-site-saved")
