"""Read-only shapes of the audit trail."""

from __future__ import annotations

from auditlog.models import LogEntry
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from compliance.models import AccessEvent


def _content_type_label(content_type) -> str | None:
    return f"{content_type.app_label}.{content_type.model}" if content_type else None


class AccessEventSerializer(serializers.ModelSerializer):
    target_type = serializers.SerializerMethodField()

    class Meta:
        model = AccessEvent
        fields = [
            "id",
            "occurred_at",
            "kind",
            "actor",
            "actor_username",
            "target_type",
            "target_id",
            "target_repr",
            "reason",
            "data",
            "remote_addr",
            "user_agent",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_target_type(self, event: AccessEvent) -> str | None:
        return _content_type_label(event.target_type)


class ChangeLogEntrySerializer(serializers.ModelSerializer):
    """One recorded model change. Secrets were masked when the change was recorded."""

    action = serializers.ChoiceField(choices=LogEntry.Action.choices, read_only=True)
    object_type = serializers.SerializerMethodField()
    actor_username = serializers.SerializerMethodField()
    changes = serializers.JSONField(
        read_only=True, help_text="Field name → [old, new]; masked fields show no secret."
    )

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "timestamp",
            "action",
            "object_type",
            "object_pk",
            "object_repr",
            "changes",
            "actor",
            "actor_username",
            "remote_addr",
            "cid",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_object_type(self, entry: LogEntry) -> str | None:
        return _content_type_label(entry.content_type)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor_username(self, entry: LogEntry) -> str | None:
        return entry.actor.get_username() if entry.actor else None
