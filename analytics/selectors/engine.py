"""Reads of the analytics app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, QuerySet

from analytics.models import Alert, Rule
from analytics.rules import RuleSpec
from cameras.models import Camera
from privacy.models import PrivacyMask


@dataclass(frozen=True)
class CameraAnalyticsConfig:
    camera_id: int
    stream_url: str
    fps: float
    anonymize_mode: str
    privacy_masks: tuple[tuple[tuple[float, float], ...], ...]
    rules: tuple[RuleSpec, ...]
    version: str


def cameras_for_analytics() -> list[int]:
    """Ids of cameras a worker should analyse (the worker acts for the system, not a user)."""
    return list(
        Camera.objects.filter(enabled=True, analytics_enabled=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def camera_config_version(camera_id: int) -> str:
    """Changes whenever the camera, its rules, zones or masks are saved (or removed)."""
    camera = Camera.objects.filter(pk=camera_id).values("updated_at", "enabled").first()
    if camera is None:
        return "gone"
    rules = Rule.objects.filter(camera_id=camera_id)
    masks = PrivacyMask.objects.filter(camera_id=camera_id)
    parts = [
        camera["updated_at"],
        camera["enabled"],
        rules.aggregate(m=Max("updated_at"))["m"],
        rules.count(),
        masks.aggregate(m=Max("updated_at"))["m"],
        masks.count(),
        # Zones have no timestamp of their own: their points are part of the version.
        tuple(rules.exclude(zone=None).values_list("zone__points", flat=False)),
    ]
    return repr(parts)


def camera_analytics_config(camera_id: int) -> CameraAnalyticsConfig | None:
    """Everything a worker needs to analyse one camera, as plain data."""
    camera = Camera.objects.select_related("site").filter(pk=camera_id).first()
    if camera is None or not camera.enabled or not camera.analytics_enabled:
        return None
    rules = []
    for rule in Rule.objects.filter(camera_id=camera_id, enabled=True).select_related("zone"):
        rules.append(
            RuleSpec(
                id=rule.pk,
                kind=rule.kind,
                points=tuple(tuple(p) for p in (rule.zone.points if rule.zone else [])),
                active_from=rule.active_from,
                active_until=rule.active_until,
                dwell_seconds=float(rule.dwell_seconds),
                count_threshold=rule.count_threshold,
                min_confidence=rule.min_confidence,
                cooldown_seconds=float(rule.cooldown_seconds),
                time_zone=camera.site.time_zone,
            )
        )
    masks = tuple(
        tuple(tuple(p) for p in mask.points)
        for mask in PrivacyMask.objects.filter(camera_id=camera_id)
    )
    return CameraAnalyticsConfig(
        camera_id=camera.pk,
        stream_url=camera.stream_url(),
        fps=camera.analytics_fps,
        anonymize_mode=camera.anonymize_mode,
        privacy_masks=masks,
        rules=tuple(rules),
        version=camera_config_version(camera_id),
    )


def rule_last_alert_times(camera_id: int) -> dict[int, float]:
    """When each rule of a camera last raised an alert: seeds cool-downs after a takeover."""
    rows = (
        Alert.objects.filter(camera_id=camera_id, rule__isnull=False)
        .values("rule_id")
        .annotate(last=Max("occurred_at"))
    )
    return {row["rule_id"]: row["last"].timestamp() for row in rows}


def alert_list(
    *,
    user,
    camera_ids=None,
    after_id: int | None = None,
    status: str | None = None,
    limit: int = 200,
    enabled_cameras: bool = False,
) -> QuerySet[Alert]:
    """Alerts the user may see, newest first; ``after_id`` gives what a client missed,
    ``status`` narrows to one status (the wall lists the open ones), ``enabled_cameras`` to
    cameras in use (the wall's)."""
    alerts = Alert.objects.restrict(user, "view").select_related("camera", "rule", "camera__site")
    if camera_ids is not None:
        alerts = alerts.filter(camera_id__in=camera_ids)
    if enabled_cameras:
        alerts = alerts.filter(camera__enabled=True)
    if status is not None:
        alerts = alerts.filter(status=status)
    if after_id is not None:
        alerts = alerts.filter(pk__gt=after_id).order_by("pk")
    return alerts[:limit]
