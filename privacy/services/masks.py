"""Static privacy masks: polygons blacked out of every frame before any detector or person
sees it.

Every write re-checks, inside its transaction, that the actor may change the camera through
the gate (a camera they may not change answers the same 404 as a missing one) and holds the
model permission for the write, then validates the whole model. Changes reach the change log
through django-auditlog with the actor of the caller's context (request middleware, or
``compliance.audit.acting_as`` in tasks, commands and tests).

A running analytics worker notices a saved mask by itself: its configuration version counts
the camera's masks and their ``updated_at``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from cameras.models import Camera
from cameras.selectors import camera_for_change
from privacy.models import PrivacyMask
from vms.geometry import clean_points
from vms.permissions import get_restricted_or_404, require_model_permission


@transaction.atomic
def privacy_mask_save(
    *,
    actor,
    camera: Camera | int,
    points: Any,
    name: str = "",
    mask: PrivacyMask | int | None = None,
) -> PrivacyMask:
    """Create a static privacy mask on the camera (``mask=None``) or change one of its masks.

    ``points`` is a polygon in frame fractions (at least 3 points), rounded to 1/10 000.
    """
    camera = camera_for_change(user=actor, camera=camera)
    if mask is None:
        require_model_permission(actor, PrivacyMask, "add")
        mask = PrivacyMask(camera=camera)
    else:
        require_model_permission(actor, PrivacyMask, "change")
        mask_id = mask.pk if isinstance(mask, PrivacyMask) else mask
        mask = get_restricted_or_404(
            PrivacyMask.objects.select_for_update().filter(camera=camera),
            actor,
            "change",
            pk=mask_id,
        )
    mask.name = (name or "").strip()
    mask.points = clean_points(points, shape="mask", field="points")
    mask.full_clean()
    mask.save()
    return mask


@transaction.atomic
def privacy_mask_delete(*, actor, mask: PrivacyMask | int) -> None:
    """Remove a static privacy mask: the region is visible (anonymised) again."""
    mask_id = mask.pk if isinstance(mask, PrivacyMask) else mask
    mask = get_restricted_or_404(PrivacyMask.objects.all(), actor, "delete", pk=mask_id)
    camera_for_change(user=actor, camera=mask.camera_id)
    require_model_permission(actor, PrivacyMask, "delete")
    mask.delete()
