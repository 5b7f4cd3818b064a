"""Redact secrets already kept in the change log's camera entries.

Until issue 9 the change log's mask for camera sources missed keys such as ``apikey``,
``api_key``, ``access_token`` and ``signature``: entries written then may keep them. This
applies today's redaction (``vms.redaction.redact_secrets``) to every camera entry's changes
and serialized data. Nothing else in an entry changes; running it again changes nothing.
"""

from django.db import migrations

from vms.redaction import redact_secrets


def _redacted(value):
    if isinstance(value, str):
        return redact_secrets(value)
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    return value


def redact_camera_entries(apps, schema_editor):
    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    camera_type = ContentType.objects.filter(app_label="cameras", model="camera").first()
    if camera_type is None:
        return
    entries = LogEntry.objects.filter(content_type=camera_type).only(
        "pk", "changes", "changes_text", "serialized_data"
    )
    for entry in entries.iterator(chunk_size=500):
        fields = {
            "changes": _redacted(entry.changes),
            "changes_text": _redacted(entry.changes_text),
            "serialized_data": _redacted(entry.serialized_data),
        }
        changed = {name: value for name, value in fields.items() if value != getattr(entry, name)}
        if changed:
            LogEntry.objects.filter(pk=entry.pk).update(**changed)


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0003_capabilities"),
        ("auditlog", "__latest__"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(redact_camera_entries, migrations.RunPython.noop)]
