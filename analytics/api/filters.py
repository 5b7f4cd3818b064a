"""Filters for the zone and rule API: by camera (among those the user may see) and kind.

They only narrow a queryset that already went through the permission gate.
"""

from __future__ import annotations

from analytics.models import Rule, Zone
from cameras.filters import VisibleCameraFilter
from vms.filters import FilterSet, IntegerFilter


class ZoneFilterSet(FilterSet):
    camera = VisibleCameraFilter()

    class Meta:
        model = Zone
        fields = ["camera", "kind"]


class RuleFilterSet(FilterSet):
    camera = VisibleCameraFilter()
    zone = IntegerFilter(field_name="zone_id")

    class Meta:
        model = Rule
        fields = ["camera", "kind", "zone", "enabled"]
