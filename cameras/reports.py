"""Cameras' part of the DPO's desk: the report scope (a site or a camera), the section on
configuration changes (retention, analytics, recognition, recording), and dashboard tiles
for long retention and recognition."""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db.models import Q
from django.urls import reverse

from cameras.models import DEFAULT_RETENTION_HOURS, Camera, Site
from compliance.dashboard import Tile, TileLine, dashboard_tile_register
from compliance.reports import (
    Figure,
    ReportContext,
    ReportScope,
    ReportSection,
    SectionContent,
    Table,
    report_scope_resolver_register,
    report_section_register,
)
from compliance.reports.queries import change_log, when
from compliance.selectors import log_entry_changes

TOPICS = {
    "Retention": {"retention_hours", "retention_justification", "retention_approved_hours",
                  "retention_approved_by", "retention_approved_at"},
    "Analytics": {"analytics_enabled", "analytics_fps", "anonymize_mode"},
    "Recognition": {"face_recognition_enabled", "plate_recognition_enabled"},
    "Recording": {"recording_mode", "recording_pre_roll_seconds", "recording_post_roll_seconds"},
    "Purpose and basis": {"purpose", "lawful_basis"},
}  # fmt: skip
#: What a camera's registration row shows: the settings a DPO answers for.
REGISTRATION = ("lawful_basis", "retention_hours", "analytics_enabled", "recording_mode",
                "face_recognition_enabled", "plate_recognition_enabled")  # fmt: skip
MAX_CHANGE_ROWS = 20_000


def scope_for(kind: str, object_id: str) -> ReportScope | None:
    """A site's or a camera's scope, as the cameras it covers."""
    if kind == "site":
        site = Site.objects.filter(pk=_int(object_id)).first()
        if site is None:
            return None
        cameras = tuple(site.cameras.values_list("pk", flat=True))
        return ReportScope("site", object_id, f"Site: {site.name}", camera_ids=cameras)
    if kind == "camera":
        camera = Camera.objects.select_related("site").filter(pk=_int(object_id)).first()
        if camera is None:
            return None
        label = f"Camera: {camera.name} ({camera.site.name})"
        return ReportScope("camera", object_id, label, camera_ids=(camera.pk,))
    return None


def scope_choices(user) -> list[tuple[str, str, str]]:
    """Sites and cameras the user sees, for the report form."""
    sites = Site.objects.restrict(user, "view").order_by("name").values_list("pk", "name")
    cameras = (
        Camera.objects.restrict(user, "view")
        .order_by("site__name", "name")
        .values_list("pk", "name", "site__name")
    )
    return [("site", str(pk), f"Site: {name}") for pk, name in sites] + [
        ("camera", str(pk), f"Camera: {name} ({site})") for pk, name, site in cameras
    ]


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _topic(label: str) -> str:
    return next((topic for topic, names in _TOPIC_LABELS().items() if label in names), "Other")


def _TOPIC_LABELS() -> dict[str, set[str]]:
    labels = {f.name: str(f.verbose_name) for f in Camera._meta.concrete_fields}
    return {topic: {labels.get(name, name) for name in names} for topic, names in TOPICS.items()}


def _rows(entry, topic_of) -> list[list]:
    """One row per changed field (a creation: one row, its settings that matter)."""
    actor = entry.actor.get_username() if entry.actor else "system"
    lines = log_entry_changes(entry)
    if entry.action == LogEntry.Action.CREATE:
        watched = {str(Camera._meta.get_field(name).verbose_name) for name in REGISTRATION}
        summary = "; ".join(
            f"{line.field}: {line.summary}" for line in lines
            if line.field in watched
            or (topic_of is None and line.field not in {"ID", "created at", "updated at"})
        )  # fmt: skip
        return [[when(entry.timestamp), entry.object_repr, "Registered", "(new)", "—",
                 summary[:400], actor]]  # fmt: skip
    return [
        [when(entry.timestamp), entry.object_repr, topic_of(line.field) if topic_of else "Site",
         line.field, line.old or "—", line.new or line.summary or "—", actor]
        for line in lines
    ]  # fmt: skip


def configuration_changes(context: ReportContext) -> SectionContent:
    """Every change to a camera's or site's configuration, one row per changed field."""
    pks = context.scope.camera_ids
    rows = []
    entries = change_log(context, [Camera], object_pks=pks)[:MAX_CHANGE_ROWS]
    for entry in entries.iterator(chunk_size=1000):
        rows += _rows(entry, _topic)
    if pks is None:
        for entry in change_log(context, [Site])[:MAX_CHANGE_ROWS].iterator(chunk_size=1000):
            rows += _rows(entry, None)
    rows.sort(key=lambda row: row[0])
    by_topic: dict[str, int] = {}
    for row in rows:
        by_topic[row[2]] = by_topic.get(row[2], 0) + 1
    return SectionContent(
        figures=[Figure(f"{topic} changes" if topic != "Registered" else "Registered", n)
                 for topic, n in sorted(by_topic.items())]
        or [Figure("Configuration changes", 0)],
        tables=[
            Table(
                key="camera_configuration_changes",
                title="Changes to cameras and sites, field by field",
                columns=["Time", "Camera / site", "Topic", "Field", "Before", "After", "By"],
                rows=rows,
                widths=[1.3, 1.8, 1, 1.6, 1.3, 2.6, 1.1],
            )
        ],
    )  # fmt: skip


# --- dashboard --------------------------------------------------------------------------------
def _camera_url(camera) -> str:
    return reverse("cameras:camera-detail", args=[camera.pk])


def long_retention(user) -> Tile:
    """Cameras asking for more than the default retention: justified? approved?"""
    cameras = (
        Camera.objects.restrict(user, "view")
        .filter(retention_hours__gt=DEFAULT_RETENTION_HOURS)
        .select_related("site")
        .order_by("site__name", "name")
    )
    lines, waiting = [], 0
    for camera in cameras[:12]:
        if camera.retention_awaiting_approval:
            waiting += 1
            state, status = "attention", "awaiting approval"
        else:
            state, status = "", f"approved {when(camera.retention_approved_at)}"
        justified = "justified" if camera.retention_justification.strip() else "no justification"
        lines.append(TileLine(f"{camera.name}: {camera.retention_hours} h", f"{justified}, {status}",
                              _camera_url(camera), state))  # fmt: skip
    total = cameras.count()
    return Tile(
        value=total,
        url=reverse("cameras:camera-list"),
        caption=f"cameras keep footage longer than {DEFAULT_RETENTION_HOURS} h",
        state="attention" if waiting else "ok",
        lines=lines,
    )


def recognition(user) -> Tile:
    cameras = (
        Camera.objects.restrict(user, "view")
        .filter(Q(face_recognition_enabled=True) | Q(plate_recognition_enabled=True))
        .select_related("site")
        .order_by("name")
    )
    lines = [
        TileLine(camera.name, ", ".join(
            kind for kind, on in (("faces", camera.face_recognition_enabled),
                                  ("plates", camera.plate_recognition_enabled)) if on
        ), _camera_url(camera), "attention")
        for camera in cameras[:12]
    ]  # fmt: skip
    total = cameras.count()
    return Tile(value=total, url=reverse("cameras:camera-list"),
                caption="cameras with recognition enabled",
                state="attention" if total else "ok", lines=lines)  # fmt: skip


def register() -> None:
    report_scope_resolver_register(scope_for, scope_choices)
    report_section_register(
        ReportSection(
            "camera-config", "Configuration changes: cameras and sites", configuration_changes,
            order=60, intro="Retention, analytics, recognition, recording and purpose, as the "
            "change log recorded each change, with who made it.",
        )
    )  # fmt: skip
    dashboard_tile_register("retention", "Retention beyond 72 hours", long_retention, order=40)
    dashboard_tile_register("recognition", "Recognition enabled", recognition, order=45)
