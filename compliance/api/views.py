"""The audit trail over the REST API: read-only, for those who may read it (DPO, Admin)."""

from __future__ import annotations

from auditlog.models import LogEntry

from compliance.models import AccessEvent
from vms.api import RestrictedReadOnlyModelViewSet
from vms.pagination import KeysetPagination

from .filters import AccessEventFilterSet, ChangeLogFilterSet
from .serializers import AccessEventSerializer, ChangeLogEntrySerializer


class AccessEventViewSet(RestrictedReadOnlyModelViewSet):
    """Typed sensitive actions: views, log-ins, grants, role changes. Append-only."""

    queryset = AccessEvent.objects.select_related("target_type")
    serializer_class = AccessEventSerializer
    pagination_class = KeysetPagination
    filterset_class = AccessEventFilterSet
    search_fields = ["actor_username", "target_repr", "reason"]
    ordering_fields = ["occurred_at", "kind", "actor_username"]


class ChangeLogViewSet(RestrictedReadOnlyModelViewSet):
    """Model changes recorded by django-auditlog; needs ``auditlog.view_logentry``."""

    # auditlog's manager has no ``restrict``; the base view gives it the same gate.
    queryset = LogEntry.objects.select_related("content_type", "actor")
    serializer_class = ChangeLogEntrySerializer
    pagination_class = KeysetPagination
    filterset_class = ChangeLogFilterSet
    search_fields = ["object_repr"]
    ordering_fields = ["timestamp"]
    ordering = ["-timestamp", "-id"]
