"""Reads of the analytics app."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Max, QuerySet

from analytics.models import Alert, Rule
from analytics.rules import RuleSpec
from cameras.models import Camera
from cameras.sources import source_url_with_credentials
from privacy.models import PrivacyMask
from privacy.selectors import unmask_live_until_by_camera


@dataclass(frozen=True)
class CameraAnalyticsConfig:
    camera_id: int
    stream_url: str
    fps: float
    anonymize_mode: str
    privacy_masks: tuple[tuple[tuple[float, float], ...], ...]
    rules: tuple[RuleSpec, ...]
    version: str
    # While set (a Unix time), an approved live un-mask is open on the camera: the engine also
    # publishes its original frames, for the un-mask socket only, until then.
    unmask_live_until: float | None = None
    recording_mode: str = "off"
    recording_pre_roll_seconds: int = 10
    recording_post_roll_seconds: int = 20


def cameras_for_analytics() -> list[int]:
    """Ids of cameras a worker should analyse (the worker acts for the system, not a user)."""
    return list(
        Camera.objects.filter(enabled=True, analytics_enabled=True, analytics_hold="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def camera_config_version(camera_id: int) -> str:
    """Changes whenever the camera, its rules, zones or masks are saved (or removed), or its
    site's time zone changes."""
    return camera_config_versions([camera_id]).get(camera_id, "gone")


def camera_config_versions(camera_ids) -> dict[int, str]:
    """:func:`camera_config_version` of many cameras in five queries, however many they are
    (the worker's safety resync compares those of every camera it holds)."""
    camera_ids = list(camera_ids)
    cameras = Camera.objects.filter(pk__in=camera_ids).values_list(
        "pk", "updated_at", "enabled", "analytics_enabled", "analytics_hold", "site__time_zone"
    )
    rules = _latest_and_count(Rule.objects.filter(camera_id__in=camera_ids))
    masks = _latest_and_count(PrivacyMask.objects.filter(camera_id__in=camera_ids))
    # Zones have no timestamp of their own: their points are part of the version.
    zones: dict[int, list] = {}
    for camera_id, points in (
        Rule.objects.filter(camera_id__in=camera_ids)
        .exclude(zone=None)
        .order_by("pk")
        .values_list("camera_id", "zone__points")
    ):
        zones.setdefault(camera_id, []).append(points)
    live_unmasks = unmask_live_until_by_camera(camera_ids)
    versions = {}
    for camera_id, updated_at, enabled, analytics_enabled, hold, time_zone in cameras:
        parts = [
            updated_at,
            enabled,
            analytics_enabled,
            hold,  # no covering sign (privacy.services.signs): no analysis
            time_zone,  # the site's: rules' active hours are read in it
            rules.get(camera_id, (None, 0)),
            masks.get(camera_id, (None, 0)),
            zones.get(camera_id, []),
            live_unmasks.get(camera_id),
        ]
        versions[camera_id] = hashlib.sha256(repr(parts).encode()).hexdigest()[:16]
    return versions


def _latest_and_count(queryset) -> dict[int, tuple]:
    rows = queryset.order_by().values("camera_id").annotate(m=Max("updated_at"), n=Count("pk"))
    return {row["camera_id"]: (row["m"], row["n"]) for row in rows}


def camera_analytics_config(camera_id: int) -> CameraAnalyticsConfig | None:
    """Everything a worker needs to analyse one camera, as plain data."""
    return camera_analytics_configs([camera_id]).get(camera_id)


def camera_analytics_configs(camera_ids) -> dict[int, CameraAnalyticsConfig]:
    """:func:`camera_analytics_config` of many cameras in a handful of queries (a worker taking
    over thousands of cameras at once); cameras not to analyse are left out. Rows, not model
    instances: a takeover builds thousands of these."""
    camera_ids = list(camera_ids)
    cameras = Camera.objects.filter(
        pk__in=camera_ids, enabled=True, analytics_enabled=True, analytics_hold=""
    ).values_list(
        "pk",
        "source_url",
        "source_username",
        "source_password",
        "analytics_fps",
        "anonymize_mode",
        "recording_mode",
        "recording_pre_roll_seconds",
        "recording_post_roll_seconds",
    )
    rules: dict[int, list[RuleSpec]] = {}
    for row in (
        Rule.objects.filter(camera_id__in=camera_ids, enabled=True)
        .order_by("pk")
        .values_list(
            "pk",
            "camera_id",
            "kind",
            "zone__points",
            "active_from",
            "active_until",
            "dwell_seconds",
            "count_threshold",
            "min_confidence",
            "cooldown_seconds",
            "camera__site__time_zone",
        )
    ):
        (pk, camera_id, kind, points, active_from, active_until, dwell, count, confidence,
         cooldown, time_zone) = row  # fmt: skip
        rules.setdefault(camera_id, []).append(
            RuleSpec(
                id=pk,
                kind=kind,
                points=tuple(tuple(p) for p in (points or [])),
                active_from=active_from,
                active_until=active_until,
                dwell_seconds=float(dwell),
                count_threshold=count,
                min_confidence=confidence,
                cooldown_seconds=float(cooldown),
                time_zone=time_zone,
            )
        )
    masks: dict[int, list] = {}
    for camera_id, points in (
        PrivacyMask.objects.filter(camera_id__in=camera_ids)
        .order_by("pk")
        .values_list("camera_id", "points")
    ):
        masks.setdefault(camera_id, []).append(tuple(tuple(p) for p in points))
    versions = camera_config_versions(camera_ids)
    live_unmasks = unmask_live_until_by_camera(camera_ids)
    return {
        pk: CameraAnalyticsConfig(
            camera_id=pk,
            # What Camera.stream_url() gives: the URL with its credentials joined back.
            stream_url=source_url_with_credentials(url, username, password),
            fps=fps,
            anonymize_mode=anonymize_mode,
            privacy_masks=tuple(masks.get(pk, ())),
            rules=tuple(rules.get(pk, ())),
            version=versions.get(pk, "gone"),
            unmask_live_until=live_unmasks[pk].timestamp() if pk in live_unmasks else None,
            recording_mode=recording_mode,
            recording_pre_roll_seconds=pre_roll,
            recording_post_roll_seconds=post_roll,
        )
        for (
            pk,
            url,
            username,
            password,
            fps,
            anonymize_mode,
            recording_mode,
            pre_roll,
            post_roll,
        ) in cameras  # fmt: skip
    }


def rule_last_alert_times(camera_id: int) -> dict[int, float]:
    """When each rule of a camera last raised an alert: seeds cool-downs after a takeover."""
    rows = (
        Alert.objects.filter(camera_id=camera_id, rule__isnull=False)
        .values("rule_id")
        .annotate(last=Max("occurred_at"))
    )
    return {row["rule_id"]: row["last"].timestamp() for row in rows}


def rules_last_alert_times(camera_ids) -> dict[int, dict[int, float]]:
    """:func:`rule_last_alert_times` of many cameras in one query (a takeover)."""
    rows = (
        Alert.objects.filter(camera_id__in=list(camera_ids), rule__isnull=False)
        .order_by()
        .values("camera_id", "rule_id")
        .annotate(last=Max("occurred_at"))
    )
    times: dict[int, dict[int, float]] = {camera_id: {} for camera_id in camera_ids}
    for row in rows:
        times[row["camera_id"]][row["rule_id"]] = row["last"].timestamp()
    return times


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
