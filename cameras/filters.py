"""Filter sets for camera and site lists, shared by the HTML views and the API.

They only narrow a queryset that already went through the permission gate; the ``site``
choices are narrowed the same way, so a filter never names a site the user cannot see.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q

from cameras.models import Camera, CameraStatus, Site
from vms.filters import FilterSet


class EnabledWidget(django_filters.widgets.BooleanWidget):
    """Yes/no select that reads as the list it filters."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", "Enabled or disabled"), ("true", "Enabled"), ("false", "Disabled")]


def _visible_sites(request):
    if request is None:
        return Site.objects.none()
    return Site.objects.restrict(request.user, "view")


class CameraFilterSet(FilterSet):
    """Filter cameras by site, status and enabled; ``q`` searches camera and site names."""

    q = django_filters.CharFilter(method="search", label="Search")
    site = django_filters.ModelChoiceFilter(queryset=_visible_sites, empty_label="All sites")
    status = django_filters.ChoiceFilter(choices=CameraStatus.choices, empty_label="Any status")
    enabled = django_filters.BooleanFilter(widget=EnabledWidget(), label="Enabled")

    class Meta:
        model = Camera
        fields = ["q", "site", "status", "enabled"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(site__name__icontains=value))


class SiteFilterSet(FilterSet):
    """``q`` searches site names and addresses; ``country`` is an ISO code."""

    q = django_filters.CharFilter(method="search", label="Search")

    class Meta:
        model = Site
        fields = ["q", "country"]

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(address__icontains=value))


def _visible_cameras(request):
    if request is None:
        return Camera.objects.none()
    return Camera.objects.restrict(request.user, "view")


class VisibleCameraFilter(django_filters.ModelChoiceFilter):
    """One camera among those the user may see: a hidden camera's id is refused like a missing
    one's. For lists of what hangs on a camera (zones, rules, privacy masks)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", _visible_cameras)
        super().__init__(*args, **kwargs)
