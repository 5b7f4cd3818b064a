"""What tells the analytics workers that a camera's configuration changed.

Any committed save or deletion of a camera, its rules, zones or privacy masks (or a save of its
site: the time zone of its rules' hours) appends an event to the workers' stream
(:mod:`vms.config_events`), whatever wrote it (a service, the API, the admin). Saves that only
record what the health probe measured are not configuration and are not announced. Bulk ``update()`` bypasses these signals: a service that changes configuration
that way announces it with ``camera_config_changed_on_commit`` (the workers' resync is the net).
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from vms.config_events import camera_config_changed_on_commit

# Camera fields the health probe writes: they change nothing in a camera's analysis.
PROBE_FIELDS = frozenset(
    {
        "status",
        "status_message",
        "last_seen_at",
        "last_probe_at",
        "next_probe_at",
        "probe_failures",
        "width",
        "height",
        "frame_rate",
        "codec",
        "updated_at",
    }
)


def _camera_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= PROBE_FIELDS:
        return
    camera_config_changed_on_commit(instance.pk, "camera")


def _camera_deleted(sender, instance, **kwargs) -> None:
    camera_config_changed_on_commit(instance.pk, "deleted")


def _site_saved(sender, instance, created=False, **kwargs) -> None:
    # A site's time zone is part of its cameras' rules (active hours). Sites change rarely.
    if created:
        return
    for camera_id in instance.cameras.values_list("pk", flat=True):
        camera_config_changed_on_commit(camera_id, "site")


def _part_changed(what: str):
    def receiver(sender, instance, **kwargs) -> None:
        camera_config_changed_on_commit(instance.camera_id, what)

    return receiver


_RECEIVERS = {}


def connect_config_signals() -> None:
    """Connect the receivers (from ``AnalyticsConfig.ready``)."""
    from analytics.models import Rule, Zone
    from cameras.models import Camera, Site
    from privacy.models import PrivacyMask

    post_save.connect(_camera_saved, sender=Camera, dispatch_uid="veil-config-camera-saved")
    post_delete.connect(_camera_deleted, sender=Camera, dispatch_uid="veil-config-camera-gone")
    post_save.connect(_site_saved, sender=Site, dispatch_uid="veil-config-site-saved")
    for model, what in ((Rule, "rule"), (Zone, "zone"), (PrivacyMask, "mask")):
        receiver = _RECEIVERS.setdefault(what, _part_changed(what))
        for signal, suffix in ((post_save, "saved"), (post_delete, "gone")):
            signal.connect(receiver, sender=model, dispatch_uid=f"veil-config-{what}-{suffix}")
