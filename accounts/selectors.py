"""Reads of the accounts app."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from cameras.models import Camera, Site
from vms.permissions import get_restricted_or_404

User = get_user_model()


def user_list(
    *, actor, search: str = "", role: str = "", is_active: bool | None = None
) -> QuerySet:
    """People accounts the actor may see (service accounts are not people)."""
    users = User.objects.restrict(actor, "view").filter(is_service_account=False)
    users = users.prefetch_related("groups")
    if search:
        users = users.filter(username__icontains=search) | users.filter(email__icontains=search)
    if role:
        users = users.filter(groups__name=role)
    if is_active is not None:
        users = users.filter(is_active=is_active)
    return users.distinct()


def user_get(*, actor, pk, action: str = "view"):
    """One account, or 404 if the actor may not see it."""
    return get_restricted_or_404(
        User.objects.filter(is_service_account=False), actor, action, pk=pk
    )


def user_assigned_sites(*, user) -> QuerySet[Site]:
    """Sites a user is assigned to by object permission (not those seen through a role)."""
    return get_objects_for_user(
        user, "cameras.view_site", klass=Site, with_superuser=False, accept_global_perms=False
    )


def user_granted_cameras(*, user) -> QuerySet[Camera]:
    """Cameras granted to a user one by one."""
    return get_objects_for_user(
        user, "cameras.view_camera", klass=Camera, with_superuser=False, accept_global_perms=False
    )
