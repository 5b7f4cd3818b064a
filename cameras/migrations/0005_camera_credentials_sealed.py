"""Camera credentials sealed at rest (vms.fields.EncryptedTextField): existing values are sealed
here, under the deployment's master key; reversing writes them back in clear."""

from django.db import migrations

import vms.fields


def seal_existing(apps, schema_editor):
    Camera = apps.get_model("cameras", "Camera")
    for camera in Camera.objects.exclude(source_username="", source_password="").iterator():
        # Values read back as plain text (from_db_value passes unsealed ones through); the
        # update seals them (get_prep_value).
        Camera.objects.filter(pk=camera.pk).update(
            source_username=camera.source_username, source_password=camera.source_password
        )


def unseal_all(apps, schema_editor):
    Camera = apps.get_model("cameras", "Camera")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Camera._meta.db_table)
    for camera in Camera.objects.exclude(source_username="", source_password="").iterator():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET source_username = %s, source_password = %s WHERE id = %s",
                [camera.source_username, camera.source_password, camera.pk],
            )


class Migration(migrations.Migration):
    dependencies = [("cameras", "0004_change_log_source_secrets_redacted")]

    operations = [
        migrations.AlterField(
            model_name="camera",
            name="source_username",
            field=vms.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name="camera",
            name="source_password",
            field=vms.fields.EncryptedTextField(blank=True),
        ),
        migrations.RunPython(seal_existing, unseal_all),
    ]
