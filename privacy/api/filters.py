"""Filters for the privacy mask API: by camera, among those the user may see.

They only narrow a queryset that already went through the permission gate.
"""

from __future__ import annotations

import django_filters

from cameras.filters import VisibleCameraFilter
from privacy.models import PrivacyMask


class PrivacyMaskFilterSet(django_filters.FilterSet):
    camera = VisibleCameraFilter()

    class Meta:
        model = PrivacyMask
        fields = ["camera"]
