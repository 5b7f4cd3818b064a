from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from accounts.roles import sync_role_groups_after_migrate

        # Permissions of apps migrated after the role data migration are attached here.
        post_migrate.connect(sync_role_groups_after_migrate, dispatch_uid="veil-sync-roles")
        _register_audited_models()
        _connect_log_in()
        from accounts import reports

        reports.register()  # a report scoped to one person


def _connect_log_in() -> None:
    """Failed log-ins reach the audit trail by identifier, never as typed; a log-in starts the
    session's idle and absolute clocks."""
    from accounts.lockout import record_login_failed
    from vms.middleware.sessions import session_stamp_login

    user_login_failed.connect(record_login_failed, dispatch_uid="veil-audit-login-failed")
    user_logged_in.connect(session_stamp_login, dispatch_uid="veil-session-clocks")


def _register_audited_models() -> None:
    """Who may do what is audited: accounts, roles (groups) and per-object grants."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from cameras.models import (
        CameraGroupObjectPermission,
        CameraUserObjectPermission,
        SiteGroupObjectPermission,
        SiteUserObjectPermission,
    )
    from compliance.audit import audit_register

    audit_register(
        get_user_model(),
        exclude_fields=["password", "last_login"],
        m2m_fields={"groups", "user_permissions"},
    )
    audit_register(Group, m2m_fields={"permissions"})
    audit_register(UserObjectPermission)
    audit_register(GroupObjectPermission)
    # Site and camera grants, kept in guardian's direct foreign-key tables for the gate's speed.
    for grants in (
        SiteUserObjectPermission,
        SiteGroupObjectPermission,
        CameraUserObjectPermission,
        CameraGroupObjectPermission,
    ):
        audit_register(grants)
