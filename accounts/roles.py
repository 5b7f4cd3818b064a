"""Veil's four roles and the model-level permissions each one holds.

Model-level permissions mean "on every row". Guards and supervisors hold none on sites and
cameras: their scope comes from object permissions on the sites they are assigned to (see
:mod:`vms.permissions`). DPO and Admin see everything; only Admin changes configuration.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    GUARD = "Guard", "Guard"
    SUPERVISOR = "Supervisor", "Supervisor"
    DPO = "DPO", "Data protection officer"
    ADMIN = "Admin", "Admin"


# Lowest to highest; a user's role is the highest group they belong to.
ROLE_ORDER = [Role.GUARD, Role.SUPERVISOR, Role.DPO, Role.ADMIN]

ROLE_PERMISSIONS: dict[Role, list[str]] = {
    Role.GUARD: ["cameras.view_live_video", "analytics.triage_alert", "privacy.request_unmask"],
    Role.SUPERVISOR: [
        "cameras.view_live_video",
        "analytics.triage_alert",
        "analytics.overrule_alert",
        "analytics.tune_rule",
        "privacy.place_legal_hold",
        "privacy.view_legalhold",
        "privacy.request_unmask",
        "privacy.approve_unmask",
    ],
    Role.DPO: [
        "accounts.require_mfa",  # DPO and Admin see everything: a password is not enough
        "compliance.run_report",
        "accounts.view_user",
        "accounts.view_apitoken",
        "cameras.view_site",
        "cameras.view_camera",
        "compliance.view_accessevent",
        "auditlog.view_logentry",
        "analytics.view_alert",
        "analytics.view_rule",
        "analytics.view_zone",
        "analytics.view_detectormodel",
        "analytics.view_alertdecision",
        "privacy.view_privacymask",
        "privacy.place_legal_hold",
        "privacy.view_legalhold",
        "privacy.view_deletionrecord",
        "cameras.approve_retention",
        "privacy.approve_unmask",
        "privacy.revoke_unmask",
        "privacy.set_unmask_policy",
        "privacy.view_unmaskgrant",
        "privacy.view_noticeversion",
        "privacy.view_policyversion",
        "privacy.publish_policyversion",  # the DPO publishes what an admin drafted
        "privacy.view_sign",
        "privacy.view_signinspection",
        "privacy.view_dpia",
        "privacy.decide_dpia",
        "compliance.view_report",
        "compliance.view_verificationrun",
        "analytics.view_missedevent",
        # The DPO's registers: subject-access requests, breaches, transfers, vendors and
        # model assessments, liability risk and insurance.
        *[
            f"privacy.{action}_{model}"
            for model in (
                "subjectaccessrequest",
                "breach",
                "transfer",
                "vendor",
                "riskassessment",
                "insurancepolicy",
            )
            for action in ("add", "change", "view")
        ],
        *[f"analytics.{action}_modelassessment" for action in ("add", "change", "view")],
        "analytics.approve_modelassessment",
    ],
    Role.ADMIN: [
        "accounts.require_mfa",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.view_apitoken",
        "accounts.change_apitoken",  # revoke anyone's API token
        "cameras.add_site",
        "cameras.change_site",
        "cameras.view_site",
        "cameras.add_camera",
        "cameras.change_camera",
        "cameras.view_camera",
        "cameras.view_live_video",
        "cameras.view_camera_source",
        "compliance.view_accessevent",
        "auditlog.view_logentry",
        "analytics.view_alert",
        "analytics.view_detectormodel",
        *[
            f"analytics.{a}_{m}"
            for m in ("rule", "zone")
            for a in ("add", "change", "delete", "view")
        ],
        *[f"privacy.{a}_privacymask" for a in ("add", "change", "delete", "view")],
        "privacy.view_noticeversion",
        *[f"privacy.{a}_policyversion" for a in ("add", "change", "view")],
        *[f"privacy.{a}_sign" for a in ("add", "change", "view")],
        *[f"privacy.{a}_signinspection" for a in ("add", "view")],
        *[f"privacy.{a}_dpia" for a in ("add", "change", "view")],
    ],
}

# Object permissions given on a site when a user is assigned to it, by role.
SITE_ASSIGNMENT_PERMISSIONS: dict[Role, list[str]] = {
    Role.GUARD: ["cameras.view_site"],
    Role.SUPERVISOR: ["cameras.view_site"],
}


def sync_role_groups(apps) -> None:
    """Create the role groups and give each exactly its listed permissions.

    Idempotent; runs from the role data migration and after every ``migrate`` so that
    permissions of apps migrated later are attached too. Permissions whose model does not
    exist yet are skipped until then.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = []
        for name in perm_names:
            app_label, codename = name.split(".")
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    from django.apps import apps as global_apps

    # Sent once per app, after that app's permissions exist; cheap and idempotent.
    sync_role_groups(kwargs.get("apps") or global_apps)
