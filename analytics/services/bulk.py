"""Bulk triage: a guard acknowledges many alerts in one action.

The same rules as one decision (:mod:`analytics.services.triage`): the actor needs
``analytics.triage_alert``; each alert must be visible through the gate and open (the only
status "acknowledge" leaves). What does not qualify is skipped and said why, never an error
for the whole batch: between the list being drawn and the button being pressed, a colleague
may have decided on some of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction

from analytics.models import Alert, AlertDecision
from analytics.services.triage import _decision_record, alert_actions_allowed
from vms.permissions import Perm, require_permission

# One request acknowledges at most a few pages of the alert list.
BULK_ACKNOWLEDGE_LIMIT = 200


class SkipReason(models.TextChoices):
    """Why an alert of the batch was not acknowledged."""

    # Missing or outside the actor's scope: the same answer for both.
    NOT_FOUND = "not_found", "Missing or outside your scope"
    NOT_OPEN = "not_open", "No longer open: acknowledged, decided or escalated"


@dataclass
class BulkAcknowledgeResult:
    """Ids acknowledged now, and the ids skipped with why (``not_found`` or ``not_open``)."""

    acknowledged: list[int] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)


def _alert_ids(alert_ids) -> list[int]:
    try:
        ids = sorted({int(alert_id) for alert_id in alert_ids})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"alert_ids": "Give alert ids as whole numbers."}) from exc
    if not ids:
        raise ValidationError({"alert_ids": "Choose at least one alert."})
    if len(ids) > BULK_ACKNOWLEDGE_LIMIT:
        raise ValidationError(
            {"alert_ids": f"Acknowledge at most {BULK_ACKNOWLEDGE_LIMIT} alerts at once."}
        )
    return ids


def alert_bulk_acknowledge(*, actor, alert_ids, request=None) -> BulkAcknowledgeResult:
    """Acknowledge every open alert of ``alert_ids`` that ``actor`` may triage.

    One transaction: the visible alerts are locked in id order (two guards acknowledging
    overlapping selections cannot deadlock); each open one gets its own
    :class:`~analytics.models.AlertDecision`, status change, access event and, on commit,
    ``alert.updated`` push, exactly as :func:`~analytics.services.triage.alert_decide` writes
    them. Raises ``PermissionDenied`` without the triage permission and ``ValidationError``
    for no ids, too many, or ids that are not numbers.
    """
    require_permission(actor, Perm.TRIAGE_ALERT, "You may not decide on alerts.")
    ids = _alert_ids(alert_ids)
    result = BulkAcknowledgeResult()
    with transaction.atomic():
        alerts = {
            alert.pk: alert
            for alert in Alert.objects.restrict(actor, "view")
            .filter(pk__in=ids)
            .select_for_update(of=("self",))
            .select_related("camera__site", "rule")
            .order_by("pk")
        }
        for alert_id in ids:
            alert = alerts.get(alert_id)
            if alert is None:
                result.skipped[alert_id] = SkipReason.NOT_FOUND
            elif AlertDecision.Action.ACKNOWLEDGE not in alert_actions_allowed(
                actor=actor, alert=alert
            ):
                result.skipped[alert_id] = SkipReason.NOT_OPEN
            else:
                _decision_record(
                    alert=alert,
                    actor=actor,
                    action=AlertDecision.Action.ACKNOWLEDGE,
                    request=request,
                )
                result.acknowledged.append(alert_id)
    return result
