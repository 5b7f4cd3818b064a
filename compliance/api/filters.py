"""Filters for the audit API: by kind or action, actor, target and date range."""

from __future__ import annotations

import django_filters
from auditlog.models import LogEntry

from compliance.models import AccessEvent, AccessKind
from compliance.selectors import change_log_object_type_choices
from vms.filters import FilterSet, IntegerFilter, IsoDateTimeFilter


class AccessEventFilterSet(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=AccessKind.choices)
    # By id, not a choice of users: a filter must not become a way to list accounts.
    actor = IntegerFilter(field_name="actor_id")
    actor_username = django_filters.CharFilter()
    occurred_after = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    target_type = django_filters.CharFilter(method="filter_target_type", label="app_label.model")
    target_id = django_filters.CharFilter()
    site = IntegerFilter(field_name="site_id", help_text="Where it happened: the site's id.")
    camera = IntegerFilter(field_name="camera_id", help_text="Where it happened: the camera's id.")

    class Meta:
        model = AccessEvent
        fields = ["kind", "actor", "actor_username", "target_type", "target_id", "site", "camera"]

    def filter_target_type(self, queryset, name, value):
        app_label, _, model = value.lower().partition(".")
        return queryset.filter(target_type__app_label=app_label, target_type__model=model)


class ChangeLogFilterSet(FilterSet):
    action = django_filters.ChoiceFilter(choices=LogEntry.Action.choices)
    actor = IntegerFilter(field_name="actor_id")
    # The audited models, as the apps registered them (a callable: read when a form is built).
    object_type = django_filters.ChoiceFilter(
        choices=change_log_object_type_choices,
        method="filter_object_type",
        label="app_label.model of an audited model, e.g. cameras.camera",
    )
    object_pk = django_filters.CharFilter()
    changed_after = IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    changed_before = IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = LogEntry
        fields = ["action", "actor", "object_type", "object_pk"]

    def filter_object_type(self, queryset, name, value: str):
        app_label, _, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
