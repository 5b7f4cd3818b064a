"""Writes of triage: a person decides on an alert; a supervisor tunes a rule's threshold.

Nothing in the pipeline sets an alert to *confirmed*: only :func:`alert_decide` does, for a
person holding ``Perm.TRIAGE_ALERT`` who can see the alert through the gate.

Transitions (the alert's status before → the actions allowed):

===============  ===============================================  ============================
Status           Anyone who may triage (guard, supervisor)        ``Perm.OVERRULE_ALERT``
===============  ===============================================  ============================
open             acknowledge, confirm, dismiss, escalate
acknowledged     confirm, dismiss, escalate
escalated        —  (waiting for a supervisor)                    confirm, dismiss
confirmed        —  (closed)                                      dismiss (overrule)
dismissed        —  (closed)                                      confirm (overrule)
===============  ===============================================  ============================

A supervisor is whoever holds ``Perm.OVERRULE_ALERT`` (the Supervisor role, or a user given
it directly); nothing looks at a group's name. Every decision is a new
:class:`~analytics.models.AlertDecision` row, so an overrule keeps the decision it overrules.

Errors: a hidden or missing alert or rule is :class:`~django.http.Http404` (the same for both);
a visible one the actor may not act on is :class:`~django.core.exceptions.PermissionDenied`;
a transition or an input the rules refuse is :class:`~django.core.exceptions.ValidationError`.
"""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from analytics.models import Alert, AlertDecision, Rule
from analytics.payloads import alert_payload
from cameras.models import Camera
from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import (
    Perm,
    get_restricted_or_404,
    has_permission,
    require_permission,
    users_with_permission,
)
from vms.realtime import send_to_camera_on_commit, send_to_user_on_commit

Action = AlertDecision.Action
Status = Alert.Status

STATUS_AFTER: dict[str, str] = {
    Action.ACKNOWLEDGE: Status.ACKNOWLEDGED,
    Action.CONFIRM: Status.CONFIRMED,
    Action.DISMISS: Status.DISMISSED,
    Action.ESCALATE: Status.ESCALATED,
}

_ANYONE: dict[str, tuple[str, ...]] = {
    Status.OPEN: (Action.ACKNOWLEDGE, Action.CONFIRM, Action.DISMISS, Action.ESCALATE),
    Status.ACKNOWLEDGED: (Action.CONFIRM, Action.DISMISS, Action.ESCALATE),
}
_SUPERVISOR_ONLY: dict[str, tuple[str, ...]] = {
    Status.ESCALATED: (Action.CONFIRM, Action.DISMISS),
    Status.CONFIRMED: (Action.DISMISS,),
    Status.DISMISSED: (Action.CONFIRM,),
}


def alert_actions_allowed(*, actor, alert: Alert) -> list[str]:
    """The actions ``actor`` may take on ``alert`` in its current status (none without the
    triage permission). The alert's visibility is the caller's business (the gate)."""
    if not has_permission(actor, Perm.TRIAGE_ALERT):
        return []
    allowed = list(_ANYONE.get(alert.status, ()))
    if has_permission(actor, Perm.OVERRULE_ALERT):
        allowed += [a for a in _SUPERVISOR_ONLY.get(alert.status, ()) if a not in allowed]
    return allowed


def escalation_candidates(*, alert: Alert, exclude=None) -> list:
    """Active people holding ``Perm.OVERRULE_ALERT`` (by role or directly) who can see the
    alert's camera through the gate, by name."""
    supervisors = (
        users_with_permission(Perm.OVERRULE_ALERT)
        .filter(is_service_account=False)
        .order_by("first_name", "last_name", "username")
    )
    if exclude is not None:
        supervisors = supervisors.exclude(pk=exclude.pk)
    return [
        user
        for user in supervisors
        if Camera.objects.restrict(user, "view").filter(pk=alert.camera_id).exists()
    ]


def _validate_inputs(*, alert: Alert, actor, action: str, reason: str, note: str, escalate_to):
    """Check what the action needs; return the supervisor escalated to (or ``None``)."""
    errors: dict[str, str] = {}
    if action == Action.CONFIRM and not note:
        errors["note"] = "Say what you saw that confirms the alert."
    if action == Action.DISMISS:
        if reason not in AlertDecision.DismissReason.values:
            errors["reason"] = "Choose why this is a false positive."
        elif reason == AlertDecision.DismissReason.OTHER and not note:
            errors["note"] = "Explain the reason when you choose “Other”."
    elif reason:
        errors["reason"] = "A reason is given only when dismissing."
    supervisor = None
    if action == Action.ESCALATE:
        if not note:
            errors["note"] = "Tell the supervisor what to look at."
        if escalate_to in (None, ""):
            errors["escalate_to"] = "Choose a supervisor."
        else:
            try:
                wanted = int(getattr(escalate_to, "pk", escalate_to))
            except (TypeError, ValueError):
                wanted = None
            candidates = {
                user.pk: user for user in escalation_candidates(alert=alert, exclude=actor)
            }
            supervisor = candidates.get(wanted)
            if supervisor is None:
                errors["escalate_to"] = "Choose an active supervisor who can see this camera."
    elif escalate_to not in (None, ""):
        errors["escalate_to"] = "A supervisor is chosen only when escalating."
    if errors:
        raise ValidationError(errors)
    return supervisor


def _decision_record(
    *, alert: Alert, actor, action: str, reason="", note="", escalated_to=None, request=None
) -> AlertDecision:
    """Store one decision on a locked, visible alert whose transition was checked: the
    decision row, the new status (saved, so the change log records it), the typed access
    event, and the pushes on commit: ``alert.updated`` to the camera's sockets and, for an
    escalation, ``alert.escalated`` to every socket of the supervisor it was sent to.

    Created one by one, never in bulk: auditlog records each decision through its signals.
    """
    previous_status = alert.status
    decision = AlertDecision.objects.create(
        alert=alert,
        actor=actor,
        action=action,
        reason=reason,
        note=note,
        escalated_to=escalated_to,
        seconds_to_decide=max(0.0, (timezone.now() - alert.created_at).total_seconds()),
    )
    alert.status = STATUS_AFTER[action]
    fields = ["status"]
    if escalated_to is not None:
        alert.escalated_to = escalated_to
        fields.append("escalated_to")
    # save(), not update(): the status change reaches the change log with its actor.
    alert.save(update_fields=fields)
    access_event_record(
        kind=AccessKind.ALERT_DECISION,
        actor=actor,
        target=alert,
        reason=note,
        data={
            "action": action,
            "dismiss_reason": reason,
            "from_status": previous_status,
            "to_status": alert.status,
            "escalated_to": escalated_to.get_username() if escalated_to else "",
            "decision_id": decision.pk,
        },
        request=request,
    )
    send_to_camera_on_commit(
        alert.camera_id, {"type": "alert.updated", "alert": alert_payload(alert)}
    )
    if escalated_to is not None:
        send_to_user_on_commit(
            escalated_to.pk,
            {"type": "alert.escalated", "alert": alert_payload(alert, escalation=decision)},
        )
    return decision


def alert_decide(
    *,
    actor,
    alert: Alert | int,
    action: str,
    reason: str = "",
    note: str = "",
    escalate_to=None,
    request=None,
) -> AlertDecision:
    """Record ``actor``'s decision on ``alert`` and move the alert to its new status.

    ``escalate_to`` is a user or a user id; it must be one of :func:`escalation_candidates`.

    One transaction: the alert is locked, the transition checked (see the module's table), the
    decision stored with the seconds since the alert reached Veil, the status saved (audited),
    a typed access event written; on commit every socket watching the camera gets
    ``alert.updated``, and for an escalation every socket of the chosen supervisor gets
    ``alert.escalated`` (their toast and "escalated to me" count).
    """
    alert_id = alert.pk if isinstance(alert, Alert) else alert
    reason, note = (reason or "").strip(), (note or "").strip()
    if action not in Action.values:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    with transaction.atomic():
        alert = get_restricted_or_404(
            Alert.objects.select_for_update(of=("self",)).select_related("camera__site", "rule"),
            actor,
            "view",
            pk=alert_id,
        )
        require_permission(actor, Perm.TRIAGE_ALERT, "You may not decide on alerts.")
        if action not in alert_actions_allowed(actor=actor, alert=alert):
            raise ValidationError(
                {
                    "action": f"This alert is {alert.get_status_display().lower()}: "
                    f"you cannot {action} it."
                }
            )
        supervisor = _validate_inputs(
            alert=alert,
            actor=actor,
            action=action,
            reason=reason,
            note=note,
            escalate_to=escalate_to,
        )
        decision = _decision_record(
            alert=alert,
            actor=actor,
            action=action,
            reason=reason,
            note=note,
            escalated_to=supervisor,
            request=request,
        )
    return decision


def rule_min_confidence_apply(*, actor, rule: Rule | int, value: float, request=None) -> Rule:
    """Set a rule's minimum confidence (from the review page's suggestion).

    Needs ``Perm.TUNE_RULE`` and the rule's camera in the actor's scope (a rule outside
    it is a 404, like a missing one). Saved with ``save()`` so ``updated_at`` moves, the
    change log records it with its actor, and workers reload the rule without a restart.
    """
    rule_id = rule.pk if isinstance(rule, Rule) else rule
    with transaction.atomic():
        rule = get_restricted_or_404(
            Rule.objects.select_for_update(of=("self",)).select_related("camera"),
            actor,
            "view",
            pk=rule_id,
        )
        require_permission(actor, Perm.TUNE_RULE, "You may not tune rules.")
        try:
            value = round(float(value), 4)
        except (TypeError, ValueError):
            value = math.nan
        if not 0.0 <= value <= 1.0:
            raise ValidationError({"value": "Give a minimum confidence between 0 and 1."})
        previous = rule.min_confidence
        rule.min_confidence = value
        rule.save(update_fields=["min_confidence", "updated_at"])
        access_event_record(
            kind=AccessKind.RULE_TUNE,
            actor=actor,
            target=rule,
            data={
                "camera_id": rule.camera_id,
                "field": "min_confidence",
                "from": previous,
                "to": value,
            },
            request=request,
        )
    return rule
