"""Reads of the audit trail: access events and the model change log. Read-only, and through
the permission gate like every other read (DPO and Admin hold the model-level permissions)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from django.utils import timezone

from compliance.audit import audited_model_label, audited_models
from compliance.models import AccessEvent
from vms.permissions import RestrictedQuerySet


def access_event_list(
    *,
    user,
    kind: str = "",
    actor: str = "",
    site: int | None = None,
    camera: int | None = None,
    target_type: ContentType | None = None,
    target_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AccessEvent]:
    """Access events the user may read, newest first; ``actor`` matches the typed username,
    ``site`` / ``camera`` where the action happened, ``target_*`` the object acted on."""
    events = AccessEvent.objects.restrict(user, "view").select_related("target_type")
    if kind:
        events = events.filter(kind=kind)
    if actor:
        events = events.filter(actor_username__iexact=actor.strip())
    if site is not None:
        events = events.filter(site_id=site)
    if camera is not None:
        events = events.filter(camera_id=camera)
    if target_type is not None:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id.strip())
    return events.filter(**_day_range("occurred_at", date_from, date_to))


def access_event_target_types() -> QuerySet[ContentType]:
    """The kinds of object access events have been recorded on (the list's filter)."""
    used = AccessEvent.objects.order_by().values("target_type").distinct()
    return ContentType.objects.filter(pk__in=used).order_by("model")


def change_log_list(
    *,
    user,
    content_type: ContentType | None = None,
    object_pk: str = "",
    action: int | None = None,
    actor: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[LogEntry]:
    """django-auditlog entries the user may read, newest first."""
    # LogEntry is auditlog's model with its own manager; the gate still decides.
    entries = RestrictedQuerySet(model=LogEntry).restrict(user, "view")
    entries = entries.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if content_type is not None:
        entries = entries.filter(content_type=content_type)
    if object_pk:
        entries = entries.filter(object_pk=object_pk.strip())
    if action is not None:
        entries = entries.filter(action=action)
    if actor:
        # The account's id first (one indexed lookup), then the (actor, time) index.
        actors = get_user_model().objects.filter(username__iexact=actor.strip())
        entries = entries.filter(actor_id__in=list(actors.values_list("pk", flat=True)))
    return entries.filter(**_day_range("timestamp", date_from, date_to))


def _day_range(field: str, date_from: dt.date | None, date_to: dt.date | None) -> dict:
    """Whole days (in the current time zone) as a range on the timestamp itself, so the
    time index serves it; ``field__date`` would convert every row's timestamp first."""
    bounds = {}
    zone = timezone.get_current_timezone()
    if date_from:
        bounds[f"{field}__gte"] = dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
    if date_to:
        next_day = date_to + dt.timedelta(days=1)
        bounds[f"{field}__lt"] = dt.datetime.combine(next_day, dt.time.min, tzinfo=zone)
    return bounds


def change_log_content_types() -> QuerySet[ContentType]:
    """Every audited model (as the apps registered them), offered as a change-log filter."""
    content_types = ContentType.objects.get_for_models(*audited_models()).values()
    return ContentType.objects.filter(pk__in=[ct.pk for ct in content_types]).order_by("model")


def change_log_object_type_choices() -> list[tuple[str, str]]:
    """``(app_label.model, name)`` for every audited model: the change-log API's filter."""
    return [
        (audited_model_label(model), str(model._meta.verbose_name).capitalize())
        for model in audited_models()
    ]


@dataclass(frozen=True)
class ChangeLine:
    field: str
    old: str = ""
    new: str = ""
    summary: str = ""  # for many-to-many changes: "added: Guard"


def log_entry_changes(entry: LogEntry) -> list[ChangeLine]:
    """One readable line per changed field. Values are shown as stored: masked fields (the
    camera source and its credentials) were masked when the entry was written.

    Reverse relations and fields that stayed empty are left out; a creation shows only the
    new values."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    created = entry.action == LogEntry.Action.CREATE
    lines = []
    for name, values in (entry.changes_dict or {}).items():
        label, choices = name, {}
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None  # a field removed since keeps its raw name
            if field is not None:
                if not getattr(field, "concrete", True) and not field.many_to_many:
                    continue
                label = str(getattr(field, "verbose_name", name))
                choices = {str(key): str(text) for key, text in (field.choices or [])}
        if isinstance(values, dict):
            objects = ", ".join(str(o) for o in values.get("objects", []))
            lines.append(
                ChangeLine(field=label, summary=f"{values.get('operation', '')}: {objects}")
            )
            continue
        old, new = (list(values) + ["", ""])[:2]
        old, new = _display(old, choices), _display(new, choices)
        if old == new == EMPTY:
            continue
        if created:
            lines.append(ChangeLine(field=label, summary=new))
        else:
            lines.append(ChangeLine(field=label, old=old, new=new))
    return lines


EMPTY = "—"


def _display(value, choices: dict[str, str]) -> str:
    if value is None or value in ("None", ""):
        return EMPTY
    if not isinstance(value, str):
        value = json.dumps(value)
    return choices.get(value, value)
