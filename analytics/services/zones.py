"""Writes of the zone and rule editor: zones (areas and lines), rules and static privacy masks.

Every write re-checks, inside its transaction, that the actor may change the camera through
the gate (a camera they may not change answers the same 404 as a missing one) and holds the
model permission for the write, then validates the whole model. Model changes reach the
change log through django-auditlog with the actor of the caller's context (request
middleware, or ``compliance.audit.acting_as`` in tasks, commands and tests).

A running analytics worker notices a saved change by itself: its scan compares
``analytics.selectors.engine.camera_config_version`` (rules' and masks' ``updated_at``, their
counts and the points of the zones rules use) every few seconds and reloads the camera.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from analytics.models import Rule, Zone
from cameras.models import Camera
from privacy.models import PrivacyMask
from vms.permissions import get_restricted_or_404, permission_name

RULE_FIELDS = (
    "name",
    "kind",
    "zone",
    "active_from",
    "active_until",
    "dwell_seconds",
    "count_threshold",
    "min_confidence",
    "cooldown_seconds",
    "enabled",
)
MIN_POINTS = {Zone.Kind.AREA: 3, Zone.Kind.LINE: 2, "mask": 3}
MAX_POINTS = 64
POINT_DECIMALS = 4  # 1/10 000 of the frame: finer than any pixel of a 4K camera


def _require_model_permission(actor, model, action: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(permission_name(model, action)):
        raise PermissionDenied(f"You may not {action} {model._meta.verbose_name_plural}.")


def _camera_for_change(actor, camera: Camera | int) -> Camera:
    """The camera, locked, if the actor may change it; otherwise the 404 of a missing one."""
    camera_id = camera.pk if isinstance(camera, Camera) else camera
    return get_restricted_or_404(Camera.objects.select_for_update(), actor, "change", pk=camera_id)


def clean_points(points: Any, *, kind: str) -> list[list[float]]:
    """Check a drawn shape and round it: ``[[x, y], ...]`` with 0 <= x, y <= 1.

    ``kind`` is ``area`` (at least 3 points), ``line`` (exactly 2) or ``mask`` (at least 3).
    Raises a ``ValidationError`` on ``points`` that says what is wrong.
    """
    if not isinstance(points, list | tuple):
        raise ValidationError({"points": "Points must be a list of [x, y] pairs."})
    cleaned = []
    for point in points:
        if (
            not isinstance(point, list | tuple)
            or len(point) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in point)
        ):
            raise ValidationError({"points": "Each point is a pair of numbers [x, y]."})
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ValidationError(
                {"points": "Every point must lie inside the frame (x and y between 0 and 1)."}
            )
        cleaned.append([round(x, POINT_DECIMALS), round(y, POINT_DECIMALS)])
    least = MIN_POINTS[kind]
    if kind == Zone.Kind.LINE and len(cleaned) != 2:
        raise ValidationError({"points": "A line has exactly two points."})
    if len(cleaned) < least:
        shape = "A privacy mask" if kind == "mask" else "An area"
        raise ValidationError({"points": f"{shape} needs at least {least} points."})
    if len(cleaned) > MAX_POINTS:
        raise ValidationError({"points": f"Use at most {MAX_POINTS} points."})
    return cleaned


@transaction.atomic
def zone_save(
    *,
    actor,
    camera: Camera | int,
    name: str,
    kind: str,
    points: Any,
    zone: Zone | int | None = None,
) -> Zone:
    """Create a zone on the camera (``zone=None``) or change one of its zones.

    A zone that rules use keeps its kind: change or delete those rules first.
    """
    camera = _camera_for_change(actor, camera)
    if kind not in Zone.Kind.values:
        raise ValidationError({"kind": "A zone is an area or a line."})
    if zone is None:
        _require_model_permission(actor, Zone, "add")
        zone = Zone(camera=camera)
    else:
        _require_model_permission(actor, Zone, "change")
        zone_id = zone.pk if isinstance(zone, Zone) else zone
        zone = get_restricted_or_404(
            Zone.objects.select_for_update().filter(camera=camera), actor, "change", pk=zone_id
        )
        if kind != zone.kind and zone.rules.exists():
            raise ValidationError(
                {"kind": f"Rules use “{zone.name}”: it stays {zone.get_kind_display().lower()}."}
            )
    zone.name = (name or "").strip()
    zone.kind = kind
    zone.points = clean_points(points, kind=kind)
    zone.full_clean()
    zone.save()
    return zone


@transaction.atomic
def zone_delete(*, actor, zone: Zone | int) -> None:
    """Delete a zone that no rule uses; a zone in use is refused with the rules' names."""
    zone_id = zone.pk if isinstance(zone, Zone) else zone
    zone = get_restricted_or_404(Zone.objects.all(), actor, "delete", pk=zone_id)
    _camera_for_change(actor, zone.camera_id)
    _require_model_permission(actor, Zone, "delete")
    rule_names = list(zone.rules.order_by("name").values_list("name", flat=True))
    if rule_names:
        raise ValidationError(
            f"“{zone.name}” is used by the rule{'s' if len(rule_names) > 1 else ''} "
            f"{', '.join(rule_names)}: change or delete "
            f"{'those rules' if len(rule_names) > 1 else 'that rule'} first."
        )
    zone.delete()


@transaction.atomic
def rule_save(
    *, actor, camera: Camera | int, rule: Rule | int | None = None, **fields: Any
) -> Rule:
    """Create a rule on the camera (``rule=None``) or change one of its rules.

    Fields: name, kind, zone (a zone of this camera, or its id), active_from, active_until,
    dwell_seconds, count_threshold, min_confidence, cooldown_seconds, enabled. The rule's
    ``clean`` decides which zone kinds fit which rule kinds.
    """
    camera = _camera_for_change(actor, camera)
    if rule is None:
        _require_model_permission(actor, Rule, "add")
        rule = Rule(camera=camera)
    else:
        _require_model_permission(actor, Rule, "change")
        rule_id = rule.pk if isinstance(rule, Rule) else rule
        rule = get_restricted_or_404(
            Rule.objects.select_for_update().filter(camera=camera), actor, "change", pk=rule_id
        )
    unknown = set(fields) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown rule fields: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        if name == "zone" and value is not None and not isinstance(value, Zone):
            value = Zone.objects.filter(camera=camera, pk=value).first()
            if value is None:
                raise ValidationError({"zone": "Choose one of this camera's zones."})
        setattr(rule, name, value)
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_delete(*, actor, rule: Rule | int) -> None:
    """Delete a rule; the alerts it raised stay, without their rule."""
    rule_id = rule.pk if isinstance(rule, Rule) else rule
    rule = get_restricted_or_404(Rule.objects.all(), actor, "delete", pk=rule_id)
    _camera_for_change(actor, rule.camera_id)
    _require_model_permission(actor, Rule, "delete")
    rule.delete()


@transaction.atomic
def privacy_mask_save(
    *,
    actor,
    camera: Camera | int,
    points: Any,
    name: str = "",
    mask: PrivacyMask | int | None = None,
) -> PrivacyMask:
    """Create a static privacy mask on the camera (``mask=None``) or change one.

    The worker blacks the polygon out of every frame before any detector or person sees it.
    """
    camera = _camera_for_change(actor, camera)
    if mask is None:
        _require_model_permission(actor, PrivacyMask, "add")
        mask = PrivacyMask(camera=camera)
    else:
        _require_model_permission(actor, PrivacyMask, "change")
        mask_id = mask.pk if isinstance(mask, PrivacyMask) else mask
        mask = get_restricted_or_404(
            PrivacyMask.objects.select_for_update().filter(camera=camera),
            actor,
            "change",
            pk=mask_id,
        )
    mask.name = (name or "").strip()
    mask.points = clean_points(points, kind="mask")
    mask.full_clean()
    mask.save()
    return mask


@transaction.atomic
def privacy_mask_delete(*, actor, mask: PrivacyMask | int) -> None:
    """Remove a static privacy mask: the region is visible (anonymised) again."""
    mask_id = mask.pk if isinstance(mask, PrivacyMask) else mask
    mask = get_restricted_or_404(PrivacyMask.objects.all(), actor, "delete", pk=mask_id)
    _camera_for_change(actor, mask.camera_id)
    _require_model_permission(actor, PrivacyMask, "delete")
    mask.delete()
