"""Filter set for alert lists, shared by the triage page and the API.

It only narrows a queryset that already went through the permission gate; the camera and site
choices are narrowed the same way, so a filter never names something the user cannot see.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django.utils import timezone

from analytics.models import Alert, Rule
from cameras.models import Camera, Site

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


class AlertFilterSet(django_filters.FilterSet):
    """Filter alerts by status, camera, site, kind and period (when they occurred)."""

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

    class Meta:
        model = Alert
        fields = ["status", "camera", "site", "kind", "period"]

    def filter_period(self, queryset, name, value):
        if value not in PERIODS:
            return queryset
        return queryset.filter(occurred_at__gte=timezone.now() - PERIODS[value][1])
