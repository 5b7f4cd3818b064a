"""Writes of the analytics app about alerts: raising them, attaching clips, opening media."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from analytics.models import Alert
from analytics.payloads import alert_payload
from analytics.rules import RuleHit
from cameras.models import Camera
from vms.realtime import send_to_camera_on_commit

logger = logging.getLogger(__name__)


def alert_raise(
    *,
    camera_id: int,
    hit: RuleHit,
    snapshot_jpeg: bytes | None = None,
    clip_mp4: bytes | None = None,
) -> Alert | None:
    """Store an alert with its anonymised media and push it to permitted browsers on commit.

    Returns ``None`` when this rule already alerted in this cool-down window (another worker
    got there first), so a takeover never duplicates an alert.
    """
    occurred_at = datetime.fromtimestamp(hit.captured_at, UTC)
    alert = Alert(
        camera_id=camera_id,
        rule_id=hit.rule_id if hit.rule_id > 0 else None,
        kind=hit.kind,
        occurred_at=occurred_at,
        confidence=hit.confidence,
        message=hit.message[:300],
        boxes=[list(box) for box in hit.boxes],
        dedupe_key=hit.dedupe_key,
    )
    try:
        with transaction.atomic():
            if snapshot_jpeg:
                alert.snapshot.save("snapshot.jpg", ContentFile(snapshot_jpeg), save=False)
            if clip_mp4:
                alert.clip.save("clip.mp4", ContentFile(clip_mp4), save=False)
            alert.save()
            alert = Alert.objects.select_related("camera__site", "rule").get(pk=alert.pk)
            send_to_camera_on_commit(
                camera_id, {"type": "alert.created", "alert": alert_payload(alert)}
            )
    except IntegrityError:
        logger.info("alert %s already raised; skipped", hit.dedupe_key)
        for field in (alert.snapshot, alert.clip):
            if field:
                field.delete(save=False)
        return None
    return alert


def alert_clip_attach(*, alert: Alert, clip_mp4: bytes) -> Alert:
    """Add the anonymised clip to an alert already raised (and already pushed), and push
    ``alert.updated`` on commit so open pages (the wall, the triage page) show the clip."""
    alert.clip.save("clip.mp4", ContentFile(clip_mp4), save=False)
    with transaction.atomic():
        # update(), not save(): the status may have been decided meanwhile, and only the clip
        # is ours to write. The pushed payload is read back, so it carries that decision too.
        Alert.objects.filter(pk=alert.pk).update(clip=alert.clip.name)
        current = Alert.objects.select_related("camera__site", "rule").get(pk=alert.pk)
        send_to_camera_on_commit(
            current.camera_id, {"type": "alert.updated", "alert": alert_payload(current)}
        )
    return current


@transaction.atomic
def live_view_record(*, user, camera_id: int, channel: str, request=None) -> Camera:
    """A user opened a camera's live feed: check the live-video capability and the gate (a
    refusal is the 404 of a missing camera) and record the access event."""
    from django.http import Http404

    from compliance.models import AccessKind
    from compliance.services import access_event_record
    from vms.permissions import Perm, get_restricted_or_404, has_permission

    if not has_permission(user, Perm.VIEW_LIVE_VIDEO):
        raise Http404("No camera matches the given query.")
    camera = get_restricted_or_404(Camera.objects.all(), user, "view", pk=camera_id)
    access_event_record(
        kind=AccessKind.LIVE_VIEW,
        actor=user,
        target=camera,
        data={"channel": channel},
        request=request,
    )
    return camera


@transaction.atomic
def alert_media_open(*, user, alert_id: int, media: str, request=None) -> Alert:
    """A user opened an alert's snapshot or clip: check the gate and record it."""
    from compliance.models import AccessKind
    from compliance.services import access_event_record
    from vms.permissions import get_restricted_or_404

    alert = get_restricted_or_404(Alert.objects.select_related("camera"), user, "view", pk=alert_id)
    access_event_record(
        kind=AccessKind.CLIP_VIEW, actor=user, target=alert, data={"media": media}, request=request
    )
    return alert


def alert_thumbnails_shown_record(*, user, alerts, view: str, request=None):
    """A page showed these alerts' thumbnails: one access event for the whole list.

    Thumbnails are small copies of the (anonymised) snapshots; one event per list keeps who
    saw which alerts, without an event per image burying the snapshots people opened. Alerts
    without a snapshot are not named; nothing is written when none has one. ``alerts`` were
    fetched through the gate by the page. Returns the event, or ``None``.
    """
    from compliance.models import AccessKind
    from compliance.services import access_event_record

    shown = [alert.pk for alert in alerts if alert.snapshot]
    if not shown:
        return None
    with transaction.atomic():
        return access_event_record(
            kind=AccessKind.CLIP_VIEW,
            actor=user,
            data={"media": "thumbnails", "view": view, "alert_ids": shown},
            request=request,
        )


def detector_models_record(*, records) -> list:
    """Record the models a worker runs (name, version, file hash, licence, source package)."""
    from analytics.models import DetectorModel

    stored = []
    for record in records:
        model, _ = DetectorModel.objects.update_or_create(
            name=record.name,
            sha256=record.sha256,
            defaults={
                "task": record.task,
                "version": record.version,
                "path": str(record.path),
                "licence": record.licence,
                "source_package": record.source_package,
            },
        )
        stored.append(model)
    return stored
