"""Writes of the zone and rule editor: zones (areas and lines) and rules. Static privacy masks
are the privacy app's (:mod:`privacy.services.masks`).

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

from django.core.exceptions import ValidationError
from django.db import transaction

from analytics.models import Rule, Zone
from cameras.models import Camera
from cameras.selectors import camera_for_change
from vms.geometry import clean_points
from vms.permissions import get_restricted_or_404, require_model_permission

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
    camera = camera_for_change(user=actor, camera=camera)
    if kind not in Zone.Kind.values:
        raise ValidationError({"kind": "A zone is an area or a line."})
    if zone is None:
        require_model_permission(actor, Zone, "add")
        zone = Zone(camera=camera)
    else:
        require_model_permission(actor, Zone, "change")
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
    zone.points = clean_points(points, shape=kind, field="points")
    zone.full_clean()
    zone.save()
    return zone


@transaction.atomic
def zone_delete(*, actor, zone: Zone | int) -> None:
    """Delete a zone that no rule uses; a zone in use is refused with the rules' names."""
    zone_id = zone.pk if isinstance(zone, Zone) else zone
    zone = get_restricted_or_404(Zone.objects.all(), actor, "delete", pk=zone_id)
    camera_for_change(user=actor, camera=zone.camera_id)
    require_model_permission(actor, Zone, "delete")
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
    camera = camera_for_change(user=actor, camera=camera)
    if rule is None:
        require_model_permission(actor, Rule, "add")
        rule = Rule(camera=camera)
    else:
        require_model_permission(actor, Rule, "change")
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
    camera_for_change(user=actor, camera=rule.camera_id)
    require_model_permission(actor, Rule, "delete")
    rule.delete()
