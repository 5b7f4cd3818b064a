"""Triage pages: the alert list, one alert with its evidence and decisions, and the
supervisors' review of false positives with threshold calibration.

Every alert and rule is fetched through the gate; a hidden one answers the same 404 as a
missing one. A page or action outside the user's capabilities (deciding without
``Perm.TRIAGE_ALERT``, the review page for a guard, applying a threshold without
``Perm.TUNE_RULE``) is a 404 too, like a page that is not there. Media are referenced by
URL only: the media views check the gate again and write the access events.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from analytics import selectors, services
from analytics.filters import AlertFilterSet
from analytics.models import Alert, AlertDecision
from analytics.selectors.stats import (
    DEFAULT_PERIOD_DAYS,
    PERIOD_DAYS,
    RUBBER_STAMP_MAX_MEDIAN_SECONDS,
    RUBBER_STAMP_MIN_CONFIRMED_SHARE,
    RUBBER_STAMP_MIN_DECISIONS,
)
from analytics.services.rollups import stats_rollup_refresh
from vms.forms import apply_service_errors
from vms.pagination import page_for_request
from vms.permissions import Perm, has_permission, permission_required

PER_PAGE = 50
Action = AlertDecision.Action


# --- Forms: one small form per action ---------------------------------------------------------


class _DecisionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, alert=None, actor=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_{self.action_name}_%s")
        kwargs.setdefault("initial", {"action": self.action_name})
        super().__init__(*args, **kwargs)


class AcknowledgeForm(_DecisionForm):
    action_name = Action.ACKNOWLEDGE


class ConfirmForm(_DecisionForm):
    action_name = Action.CONFIRM
    note = forms.CharField(
        label="What did you see?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: a person confirms, never the AI alone.",
    )


class DismissForm(_DecisionForm):
    action_name = Action.DISMISS
    reason = forms.ChoiceField(
        label="Why is it a false positive?",
        choices=[("", "Choose a reason"), *AlertDecision.DismissReason.choices],
    )
    note = forms.CharField(
        label="Details",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when the reason is “Other”.",
    )

    def clean(self):
        data = super().clean()
        if data.get("reason") == AlertDecision.DismissReason.OTHER and not data.get("note"):
            self.add_error("note", "Explain the reason when you choose “Other”.")
        return data


class EscalateForm(_DecisionForm):
    action_name = Action.ESCALATE
    escalate_to = forms.TypedChoiceField(label="Supervisor", coerce=int)
    note = forms.CharField(
        label="What should they look at?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, alert=None, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        candidates = services.escalation_candidates(alert=alert, exclude=actor) if alert else []
        self.fields["escalate_to"].choices = [("", "Choose a supervisor")] + [
            (user.pk, str(user)) for user in candidates
        ]


DECISION_FORMS: dict[str, type[_DecisionForm]] = {
    form.action_name: form for form in (AcknowledgeForm, ConfirmForm, DismissForm, EscalateForm)
}

DECISION_LABELS = {
    Action.ACKNOWLEDGE: ("Acknowledge", "I have seen it and I am looking."),
    Action.CONFIRM: ("Confirm", "A real incident: say what you saw."),
    Action.DISMISS: ("Dismiss as false positive", "Nothing happened: say why the AI was wrong."),
    Action.ESCALATE: ("Escalate to a supervisor", "Ask a supervisor to decide."),
}


# --- Alert list and detail --------------------------------------------------------------------


@require_safe
@login_required
def alert_list(request):
    """Alerts the user may see, newest first, filtered by status, camera, site, kind, period
    (and "escalated to me"), with thumbnails and, for guards and supervisors, a checkbox per
    open alert to acknowledge several at once. The thumbnails shown are one access event."""
    filterset = AlertFilterSet(
        request.GET or None, queryset=selectors.alert_queryset(user=request.user), request=request
    )
    filterset.compact_camera_field()
    page = page_for_request(filterset.qs, request, size=PER_PAGE)
    alerts = list(page.object_list)
    services.alert_thumbnails_shown_record(
        user=request.user, alerts=alerts, view="alert-list", request=request
    )
    can_triage = has_permission(request.user, Perm.TRIAGE_ALERT)
    for alert in alerts:
        alert.can_acknowledge = can_triage and alert.status == Alert.Status.OPEN
    return render(
        request,
        "triage/alert_list.html",
        {
            "filter": filterset,
            "page": page,
            "alerts": alerts,
            "can_bulk_acknowledge": any(alert.can_acknowledge for alert in alerts),
            "escalated_to_me": filterset.form.cleaned_data.get("escalated_to_me")
            if filterset.is_bound and filterset.form.is_valid()
            else None,
        },
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_POST
@permission_required(Perm.TRIAGE_ALERT)
def alert_bulk_acknowledge(request):
    """Acknowledge the alerts ticked on the list; say how many, and which were skipped."""
    back = _safe_next(request, reverse("analytics:alert-list"))
    try:
        result = services.alert_bulk_acknowledge(
            actor=request.user, alert_ids=request.POST.getlist("alert_ids"), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    if result.acknowledged:
        count = len(result.acknowledged)
        messages.success(request, f"Acknowledged {count} alert{pluralize(count)}.")
    if result.skipped:
        count = len(result.skipped)
        ids = ", ".join(f"#{alert_id}" for alert_id in sorted(result.skipped))
        messages.warning(
            request,
            f"Skipped {count} alert{pluralize(count)} no longer open or not yours to "
            f"acknowledge: {ids}.",
        )
    return redirect(back)


def _detail_context(request, alert, bound_form=None) -> dict:
    actor = request.user
    allowed = services.alert_actions_allowed(actor=actor, alert=alert)
    decision_forms = []
    for action in allowed:
        form_class = DECISION_FORMS[action]
        form = (
            bound_form
            if bound_form is not None and bound_form.action_name == action
            else form_class(alert=alert, actor=actor)
        )
        label, hint = DECISION_LABELS[action]
        decision_forms.append({"action": action, "form": form, "label": label, "hint": hint})
    zone = alert.rule.zone if alert.rule_id and alert.rule.zone_id else None
    boxes = [
        {
            "x": box[0],
            "y": box[1],
            "width": max(0.0, box[2] - box[0]),
            "height": max(0.0, box[3] - box[1]),
            "score": box[4] if len(box) > 4 else None,
            "label": box[5] if len(box) > 5 else "",
        }
        for box in alert.boxes or []
        if isinstance(box, list | tuple) and len(box) >= 4
    ]
    return {
        "alert": alert,
        "decisions": selectors.alert_decision_history(alert=alert),
        "decision_forms": decision_forms,
        "can_triage": has_permission(actor, Perm.TRIAGE_ALERT),
        "site_time_zone": alert.camera.site.time_zone,
        "boxes": boxes,
        "zone": zone,
        "zone_points": " ".join(f"{x},{y}" for x, y in zone.points) if zone else "",
    }


@require_safe
@login_required
def alert_detail(request, pk):
    """One alert: anonymised snapshot with the boxes and zone, clip, facts, decisions."""
    alert = selectors.alert_get(user=request.user, pk=pk)
    return render(request, "triage/alert_detail.html", _detail_context(request, alert))


@require_POST
@permission_required(Perm.TRIAGE_ALERT)
def alert_decide(request, pk):
    """Acknowledge, confirm, dismiss or escalate; errors re-show the form that was sent."""
    alert = selectors.alert_get(user=request.user, pk=pk)
    form_class = DECISION_FORMS.get(request.POST.get("action", ""))
    if form_class is None:
        raise Http404("No such action.")
    form = form_class(request.POST, alert=alert, actor=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.alert_decide(
                actor=request.user,
                alert=alert,
                action=form_class.action_name,
                reason=data.get("reason", ""),
                note=data.get("note", ""),
                escalate_to=data.get("escalate_to"),
                request=request,
            )
        except ValidationError as error:
            apply_service_errors(form, error, non_field=("action",))
        else:
            messages.success(request, f"Alert #{alert.pk}: {decision.get_action_display()}.")
            return redirect("analytics:alert-detail", pk=alert.pk)
    alert = selectors.alert_get(user=request.user, pk=pk)
    context = _detail_context(request, alert, bound_form=form)
    if not any(item["form"] is form for item in context["decision_forms"]):
        # The action is no longer open (someone decided first): say so above the page.
        context["stale_errors"] = [e for errors in form.errors.values() for e in errors]
    return render(request, "triage/alert_detail.html", context, status=400)


# --- Review and calibration -------------------------------------------------------------------


def _period(value) -> int:
    """A review period in days: one of :data:`PERIOD_DAYS`, else the default."""
    try:
        days = int(value)
    except (TypeError, ValueError):
        return DEFAULT_PERIOD_DAYS
    return days if days in PERIOD_DAYS else DEFAULT_PERIOD_DAYS


# Supervisors (tune rules in their scope); DPO and Admin (read every alert).
@require_safe
@permission_required(Perm.TUNE_RULE, "analytics.view_alert", one_of=True)
def review(request):
    """False-positive statistics per camera and rule, threshold suggestions, and per person
    the decisions and the rubber-stamp flag."""
    days = _period(request.GET.get("days"))
    # The scheduler recomputes the statistics every minute; what was decided since is folded
    # in first (a bounded batch), so a supervisor sees the decisions just made.
    stats_rollup_refresh(rounds=1)
    return render(
        request,
        "triage/review.html",
        {
            "days": days,
            "periods": PERIOD_DAYS,
            "rule_rows": selectors.rule_stats(user=request.user, days=days),
            "decider_rows": selectors.decider_stats(user=request.user, days=days),
            "can_tune": has_permission(request.user, Perm.TUNE_RULE),
            "rubber_stamp": {
                "decisions": RUBBER_STAMP_MIN_DECISIONS,
                "share": RUBBER_STAMP_MIN_CONFIRMED_SHARE,
                "seconds": RUBBER_STAMP_MAX_MEDIAN_SECONDS,
            },
        },
    )


@require_POST
@permission_required(Perm.TUNE_RULE)
def rule_tune(request, rule_id):
    """Apply a minimum confidence to a rule (the review page's "Apply" button)."""
    days = _period(request.POST.get("days"))
    try:
        rule = services.rule_min_confidence_apply(
            actor=request.user, rule=rule_id, value=request.POST.get("value"), request=request
        )
    except PermissionDenied as error:
        raise Http404("No such page.") from error
    except ValidationError as error:
        messages.error(request, "; ".join(error.messages))
    else:
        messages.success(
            request,
            f"{rule.name} on {rule.camera.name}: minimum confidence set to "
            f"{rule.min_confidence:.2f}. The worker picks it up without a restart.",
        )
    return redirect(f"{reverse('analytics:review')}?days={days}")
