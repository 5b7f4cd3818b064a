"""Filter set for alert lists, shared by the triage page and the API.

It only narrows a queryset that already went through the permission gate; the camera and site
choices are narrowed the same way, so a filter never names something the user cannot see.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.utils import timezone

from analytics.models import Alert, Rule
from cameras.models import Camera, Site
from vms.filters import FilterSet
from vms.permissions import Perm, has_permission

# Past this many cameras in scope, the camera filter is a number field, not a menu.
CAMERA_CHOICE_LIMIT = 500

PERIODS = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
    "90d": ("Last 90 days", timedelta(days=90)),
}


def _visible_cameras(request):
    if request is None:
        return Camera.objects.none()
    return Camera.objects.restrict(request.user, "view").select_related("site")


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.restrict(request.user, "view")


class _YesNoWidget(django_filters.widgets.BooleanWidget):
    """``true`` / ``false`` in the query string, "Any" rather than "Unknown" in the form."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


class AlertFilterSet(FilterSet):
    """Filter alerts by status, camera, site, kind, period (when they occurred) and, for
    those who receive escalations, "escalated to me" (the latest escalation went to the
    user; with ``status=escalated``, the ones still waiting for them)."""

    status = django_filters.ChoiceFilter(choices=Alert.Status.choices, empty_label="Any status")
    camera = django_filters.ModelChoiceFilter(queryset=_visible_cameras, empty_label="All cameras")
    site = django_filters.ModelChoiceFilter(
        field_name="camera__site", queryset=_visible_sites, empty_label="All sites", label="Site"
    )
    kind = django_filters.ChoiceFilter(choices=Rule.Kind.choices, empty_label="Any kind")
    period = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in PERIODS.items()],
        empty_label="Any time",
        method="filter_period",
        label="Period",
    )
    escalated_to_me = django_filters.BooleanFilter(
        method="filter_escalated_to_me",
        label="Escalated to me",
        widget=_YesNoWidget,
    )

    class Meta:
        model = Alert
        fields = ["status", "camera", "site", "kind", "period", "escalated_to_me"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        if not has_permission(user, Perm.OVERRULE_ALERT):
            # Nobody escalates to them: an option that always answers nothing is noise.
            self.filters.pop("escalated_to_me", None)

    def compact_camera_field(self) -> None:
        """For a form that is shown: past ``CAMERA_CHOICE_LIMIT`` cameras in scope, a menu is
        one nobody scrolls and a page of megabytes, so the camera is typed by its number
        (still checked through the gate). Call before ``form`` is first read."""
        cameras = _visible_cameras(self.request)
        if cameras.order_by()[: CAMERA_CHOICE_LIMIT + 1].count() > CAMERA_CHOICE_LIMIT:
            self.filters["camera"].extra["widget"] = forms.NumberInput(attrs={"min": 1})

    def filter_period(self, queryset, name, value):
        if value not in PERIODS:
            return queryset
        return queryset.filter(occurred_at__gte=timezone.now() - PERIODS[value][1])

    def filter_escalated_to_me(self, queryset, name, value):
        if value is None:
            return queryset
        user = getattr(self.request, "user", None)
        if value:
            return queryset.filter(escalated_to=user)
        return queryset.exclude(escalated_to=user)
