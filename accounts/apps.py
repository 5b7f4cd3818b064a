from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from accounts.roles import sync_role_groups_after_migrate

        # Permissions of apps migrated after the role data migration are attached here.
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="veil-sync-roles")
