"""Writes of the accounts app: users, roles and who may see which site or camera.

Role changes, deactivations and access grants are sensitive: each writes a typed access event
in the same transaction, besides the change log that django-auditlog keeps.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.roles import ROLE_ORDER, SITE_ASSIGNMENT_PERMISSIONS, Role
from compliance.models import AccessKind
from compliance.services import access_event_record
from vms.permissions import require_model_permission
from vms.realtime import send_to_user_on_commit

User = get_user_model()


# Managing users and their access is a model-level right (Admin): there is no "manage this
# one user" permission.
REFUSED = "You may not manage users."


def _set_role(user, role: Role | None) -> None:
    role_groups = Group.objects.filter(name__in=[r.value for r in ROLE_ORDER])
    user.groups.remove(*role_groups)
    if role is not None:
        user.groups.add(Group.objects.get(name=Role(role).value))


def _sockets_recheck(user) -> None:
    """On commit, tell every open socket of ``user`` that their access changed: the sockets
    re-read the user, drop cameras out of scope, and close if the account is deactivated."""
    send_to_user_on_commit(user.pk, {"type": "access.changed"})


def _sessions_end(user) -> None:
    """Delete every stored session of ``user``, in the caller's transaction.

    Django's ModelBackend already refuses an inactive user on each request (``get_user``
    answers ``None``, so the request is anonymous); deleting the rows as well leaves nothing
    behind: no session of theirs is stored, and a later reactivation does not revive one.
    Sessions live in the database (``SESSION_ENGINE`` is Django's default ``db``), which has
    no index by user, so the unexpired ones are decoded and matched: deactivations are rare
    and sessions last hours, so the scan stays small. (Rotating the session-auth hash instead
    would mean changing the user's password or adding a field to the model.) Stores that
    cannot be listed (cache, signed cookies) rely on ModelBackend alone.
    """
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store_class, "get_model_class"):
        return
    sessions = store_class.get_model_class().objects.filter(expire_date__gt=timezone.now())
    for session in sessions.iterator():
        if session.get_decoded().get(SESSION_KEY) == str(user.pk):
            # Through the store, so a cached_db store forgets its cached copy too.
            store_class(session_key=session.session_key).delete()


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: Role | str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    request=None,
):
    """Create a user with one role. The password must pass Django's validators."""
    require_model_permission(actor, User, "add", REFUSED)
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    _set_role(user, Role(role))
    access_event_record(
        kind=AccessKind.ROLE_CHANGE,
        actor=actor,
        target=user,
        data={"role": Role(role).value, "previous_role": None},
        request=request,
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user,
    role: Role | str | None = None,
    is_active: bool | None = None,
    email: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    request=None,
):
    """Change a user's details, role or active flag. Nobody deactivates themself."""
    require_model_permission(actor, User, "change", REFUSED)
    user = User.objects.select_for_update().get(pk=user.pk)
    for name, value in (("email", email), ("first_name", first_name), ("last_name", last_name)):
        if value is not None:
            setattr(user, name, value)
    if is_active is not None and is_active != user.is_active:
        if not is_active and user.pk == actor.pk:
            raise ValidationError("You cannot deactivate your own account.")
        user.is_active = is_active
        _sockets_recheck(user)
        if not is_active:
            access_event_record(
                kind=AccessKind.USER_DEACTIVATE, actor=actor, target=user, request=request
            )
            _sessions_end(user)
    user.full_clean()
    user.save()
    if role is not None:
        previous = user.role
        new = Role(role)
        if previous != new:
            if user.pk == actor.pk and previous == Role.ADMIN:
                raise ValidationError("You cannot remove your own Admin role.")
            _set_role(user, new)
            _sockets_recheck(user)
            access_event_record(
                kind=AccessKind.ROLE_CHANGE,
                actor=actor,
                target=user,
                data={"role": new.value, "previous_role": previous.value if previous else None},
                request=request,
            )
    return user


def user_deactivate(*, actor, user, request=None):
    """Deactivate an account: it can no longer log in; its history stays."""
    return user_update(actor=actor, user=user, is_active=False, request=request)


@transaction.atomic
def user_set_password(*, actor, user, password: str, request=None):
    """Set a new password for a user (admin reset); validated like any password."""
    require_model_permission(actor, User, "change", REFUSED)
    validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def _access_change_record(*, actor, kind, target, user, scope: str, request) -> None:
    access_event_record(
        kind=kind,
        actor=actor,
        target=target,
        data={"user": user.get_username(), "scope": scope},
        request=request,
    )


def _assignment_perms(user) -> list[str]:
    return SITE_ASSIGNMENT_PERMISSIONS.get(user.role, ["cameras.view_site"])


@transaction.atomic
def site_assign_user(*, actor, site, user, request=None) -> None:
    """Let a guard or supervisor see a site and all its cameras."""
    require_model_permission(actor, User, "change", REFUSED)
    for perm in _assignment_perms(user):
        assign_perm(perm, user, site)
    _access_change_record(
        actor=actor,
        kind=AccessKind.ACCESS_GRANT,
        target=site,
        user=user,
        scope="site",
        request=request,
    )
    _sockets_recheck(user)


@transaction.atomic
def site_unassign_user(*, actor, site, user, request=None) -> None:
    """Take a site (and its cameras) away from a user."""
    require_model_permission(actor, User, "change", REFUSED)
    for perm in set(_assignment_perms(user)) | {"cameras.view_site"}:
        remove_perm(perm, user, site)
    _access_change_record(
        actor=actor,
        kind=AccessKind.ACCESS_REVOKE,
        target=site,
        user=user,
        scope="site",
        request=request,
    )
    _sockets_recheck(user)


@transaction.atomic
def camera_grant_user(*, actor, camera, user, request=None) -> None:
    """Let a user see one camera, without the rest of its site."""
    require_model_permission(actor, User, "change", REFUSED)
    assign_perm("cameras.view_camera", user, camera)
    _access_change_record(
        actor=actor,
        kind=AccessKind.ACCESS_GRANT,
        target=camera,
        user=user,
        scope="camera",
        request=request,
    )
    _sockets_recheck(user)


@transaction.atomic
def camera_revoke_user(*, actor, camera, user, request=None) -> None:
    """Take one directly granted camera away from a user."""
    require_model_permission(actor, User, "change", REFUSED)
    remove_perm("cameras.view_camera", user, camera)
    _access_change_record(
        actor=actor,
        kind=AccessKind.ACCESS_REVOKE,
        target=camera,
        user=user,
        scope="camera",
        request=request,
    )
    _sockets_recheck(user)
