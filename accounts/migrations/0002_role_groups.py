from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from accounts.roles import sync_role_groups

    # Permissions are normally created after all migrations; make them now so the groups
    # can be given theirs in this migration.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_groups(apps)


def remove_role_groups(apps, schema_editor):
    from accounts.roles import ROLE_ORDER

    apps.get_model("auth", "Group").objects.filter(name__in=[r.value for r in ROLE_ORDER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cameras", "0001_initial"),
        ("compliance", "0001_initial"),
        ("auditlog", "__latest__"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
