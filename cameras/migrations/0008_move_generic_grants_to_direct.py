"""Move existing per-object grants on sites and cameras from guardian's generic tables to the
direct foreign-key tables the gate now joins on (reversible: moved back on un-apply)."""

from django.db import migrations

# (target model, direct user table, direct group table)
DIRECT = [
    ("site", "SiteUserObjectPermission", "SiteGroupObjectPermission"),
    ("camera", "CameraUserObjectPermission", "CameraGroupObjectPermission"),
]


def _content_type(apps, model_name):
    ContentType = apps.get_model("contenttypes", "ContentType")
    return ContentType.objects.filter(app_label="cameras", model=model_name).first()


def forwards(apps, schema_editor):
    generic = {
        "user": apps.get_model("guardian", "UserObjectPermission"),
        "group": apps.get_model("guardian", "GroupObjectPermission"),
    }
    for model_name, user_table, group_table in DIRECT:
        content_type = _content_type(apps, model_name)
        if content_type is None:  # a fresh database: nothing was ever granted
            continue
        target = apps.get_model("cameras", model_name)
        existing = set(target.objects.values_list("pk", flat=True))
        for holder, table in (("user", user_table), ("group", group_table)):
            direct = apps.get_model("cameras", table)
            rows = generic[holder].objects.filter(content_type=content_type)
            moved = []
            for row in rows.iterator():
                pk = int(row.object_pk) if row.object_pk.isdigit() else None
                if pk in existing:  # a grant on a deleted object granted nothing
                    moved.append(
                        direct(
                            **{f"{holder}_id": getattr(row, f"{holder}_id")},
                            permission_id=row.permission_id,
                            content_object_id=pk,
                        )
                    )
            direct.objects.bulk_create(moved, ignore_conflicts=True, batch_size=1000)
            rows.delete()


def backwards(apps, schema_editor):
    generic = {
        "user": apps.get_model("guardian", "UserObjectPermission"),
        "group": apps.get_model("guardian", "GroupObjectPermission"),
    }
    for model_name, user_table, group_table in DIRECT:
        content_type = _content_type(apps, model_name)
        if content_type is None:
            continue
        for holder, table in (("user", user_table), ("group", group_table)):
            direct = apps.get_model("cameras", table)
            generic[holder].objects.bulk_create(
                [
                    generic[holder](
                        **{f"{holder}_id": getattr(row, f"{holder}_id")},
                        permission_id=row.permission_id,
                        content_type=content_type,
                        object_pk=str(row.content_object_id),
                    )
                    for row in direct.objects.iterator()
                ],
                ignore_conflicts=True,
                batch_size=1000,
            )
            direct.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cameras", "0007_direct_object_permissions"),
        ("guardian", "0002_generic_permissions_index"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
