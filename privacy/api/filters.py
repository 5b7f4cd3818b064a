"""Filters for the privacy mask API: by camera, among those the user may see.

They only narrow a queryset that already went through the permission gate.
"""

from __future__ import annotations

from cameras.filters import VisibleCameraFilter
from privacy.models import PrivacyMask
from vms.filters import FilterSet


class PrivacyMaskFilterSet(FilterSet):
    camera = VisibleCameraFilter()

    class Meta:
        model = PrivacyMask
        fields = ["camera"]
