"""The one permission gate.

Every queryset a user can reach — HTML views, the API, websocket consumers, exports — is built
with ``Model.objects.restrict(user, action)``. Nothing filters by hand.

How scope is decided, for action ``A`` on model ``M``:

1. an inactive or anonymous user sees nothing;
2. a user holding the *model-level* permission ``app.A_m`` (DPO and Admin roles, superusers)
   sees every row;
3. otherwise the user sees rows they hold the *object* permission ``app.A_m`` on
   (django-guardian, directly or through a group), plus rows whose ``permission_parent`` they
   may act on with the same action — a guard given ``view_site`` on a site sees that site's
   cameras; a camera's alerts follow the camera.

How scope is resolved, so that it stays fast at 10 000 cameras and millions of alerts: grants
on sites and cameras live in guardian's direct foreign-key tables (``cameras.models``); a
user's permitted sites and cameras are read as short id lists (indexed lookups), and a child
table such as alerts is then filtered with ``camera_id IN (…)`` — no per-row text casts, no
nested ``IN`` chains. Per-object grants on other models (a zone, a mask) keep guardian's
generic table, read once per call on its (user, permission) index.

A hidden object and a missing one must look the same: use :func:`get_restricted_or_404`.

Capabilities — what a role may *do*, beyond which rows it may see — are named permissions
(:class:`Perm`), held by roles (``accounts.roles``, the one place roles are defined) and checked
only through :func:`has_permission` / :func:`require_permission` /
:func:`require_model_permission` (services), :func:`permission_required` (HTML views) and
``vms.api.RequiresPermission`` (the API: a view's ``required_permissions``). Nothing tests a
group's name.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ACTIONS = ("view", "add", "change", "delete")


class Perm:
    """The named capabilities, as ``app_label.codename`` (declared in each model's Meta)."""

    VIEW_LIVE_VIDEO = "cameras.view_live_video"  # the live wall, live frames and live sockets
    VIEW_CAMERA_SOURCE = "cameras.view_camera_source"  # a camera's source URL (admins)
    TRIAGE_ALERT = "analytics.triage_alert"  # acknowledge, confirm, dismiss, escalate
    OVERRULE_ALERT = "analytics.overrule_alert"  # decide escalated / closed alerts (supervisors)
    TUNE_RULE = "analytics.tune_rule"  # apply a calibrated threshold
    RUN_REPORT = "compliance.run_report"  # audit reports and exports (DPO)
    PLACE_LEGAL_HOLD = "privacy.place_legal_hold"  # keep footage from retention (sup., DPO)
    APPROVE_RETENTION = "cameras.approve_retention"  # retention beyond 72 h takes effect (DPO)
    REQUEST_UNMASK = "privacy.request_unmask"  # ask to see original video (guards, sup.)
    APPROVE_UNMASK = "privacy.approve_unmask"  # decide another's un-mask request (sup., DPO)
    REVOKE_UNMASK = "privacy.revoke_unmask"  # end an un-mask grant at once (DPO)
    SET_UNMASK_POLICY = "privacy.set_unmask_policy"  # the longest grant and live un-mask (DPO)
    PUBLISH_POLICY = "privacy.publish_policyversion"  # a privacy-policy version (DPO)
    DECIDE_DPIA = "privacy.decide_dpia"  # approve or reject a DPIA (DPO)
    APPROVE_MODEL_ASSESSMENT = "analytics.approve_modelassessment"  # AI model may run (DPO)
    # Not a power but a duty: holders must verify a second factor (vms/middleware/mfa.py).
    REQUIRE_MFA = "accounts.require_mfa"


def has_permission(user, perm: str) -> bool:
    """Whether an active, logged-in ``user`` holds capability ``perm``."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.has_perm(perm)
    )


def require_permission(user, perm: str, message: str = "You may not do that.") -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``perm`` (for services)."""
    if not has_permission(user, perm):
        raise PermissionDenied(message)


def users_with_permission(perm: str):
    """Active users who hold capability ``perm`` as granted — through a role or given to
    them directly — for choosing whom to notify or escalate to.

    Superusers' implicit "every permission" does not count here: holding a capability as a
    job is what makes someone a recipient.
    """
    from django.contrib.auth import get_user_model  # the user model imports this module

    return (
        get_user_model()
        .objects.with_perm(
            perm,
            is_active=True,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .distinct()
    )


def require_model_permission(
    user, model: type[models.Model], action: str, message: str | None = None
) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds the *model-level* right ``action`` on
    ``model`` (``add_camera``, ``change_user``): for services whose action has no object yet,
    or applies to every row. Object-level rights go through :meth:`RestrictedQuerySet.restrict`.
    """
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}; expected one of {ACTIONS}.")
    require_permission(
        user,
        permission_name(model, action),
        message or f"You may not {action} {model._meta.verbose_name_plural}.",
    )


def permission_required(*perms: str, hidden: bool = True, one_of: bool = False):
    """View decorator (sync or async views): log-in required, then every one of ``perms``
    (``one_of``: any one of them).

    A page a role may not open at all answers 404 like a missing one (``hidden``, the
    default: a DPO typing the live wall's address learns nothing); ``hidden=False`` answers
    403 where the page's existence is no secret.
    """
    holds = any if one_of else all

    def refusal(request, user):
        """A log-in redirect for the anonymous, an exception for the unentitled, else None."""
        if not user.is_authenticated:
            # Imported here: auth's views import the user model, which imports this module.
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        if not holds(has_permission(user, perm) for perm in perms):
            if hidden:
                raise Http404("No such page.")
            raise PermissionDenied("You may not do that.")
        return None

    def decorator(view):
        if iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapped(request, *args, **kwargs):
                # Permissions are read from the database: off the event loop.
                refused = await sync_to_async(refusal)(request, await request.auser())
                return refused or await view(request, *args, **kwargs)

            return async_wrapped

        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            return refusal(request, request.user) or view(request, *args, **kwargs)

        return wrapped

    return decorator


def permission_name(model: type[models.Model], action: str) -> str:
    """``app_label.action_modelname``, the codename Django and guardian use."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _grant_tables(model: type[models.Model]):
    """Guardian's user and group grant tables for ``model``, and whether they are its own
    direct foreign-key tables (sites, cameras) rather than the generic ones."""
    # Imported here: guardian's models import the user model, which imports this module.
    from guardian.models import GroupObjectPermission, UserObjectPermission
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    user_table = get_user_obj_perms_model(model)
    group_table = get_group_obj_perms_model(model)
    direct = user_table is not UserObjectPermission and group_table is not GroupObjectPermission
    return user_table, group_table, direct


def _permission_lookup(model: type[models.Model], action: str) -> dict:
    return {
        "permission__content_type": ContentType.objects.get_for_model(model),
        "permission__codename": f"{action}_{model._meta.model_name}",
    }


def _direct_grants(model: type[models.Model], user, action: str, prefix: str) -> models.Q:
    """Rows granted one by one through the direct foreign-key tables, as sub-selects on their
    indexed ``(user|group, permission, content_object)`` keys: no query of its own."""
    user_table, group_table, _ = _grant_tables(model)
    permission = _permission_lookup(model, action)
    mine = user_table.objects.filter(user=user, **permission).values("content_object_id")
    groups = group_table.objects.filter(group__user=user, **permission)
    return models.Q(**{f"{prefix}pk__in": mine}) | models.Q(
        **{f"{prefix}pk__in": groups.values("content_object_id")}
    )


def _generic_granted_pks(model: type[models.Model], user, action: str) -> list:
    """Primary keys granted one by one in guardian's generic tables (a zone, a mask): one
    query on their ``(user|group, permission)`` index. The text ``object_pk`` is converted
    here, on the few grant rows, rather than casting every row of the gated table to text
    (the old ``id::varchar IN`` scan)."""
    user_table, group_table, _ = _grant_tables(model)
    permission = _permission_lookup(model, action)
    generic = {"content_type": permission["permission__content_type"]}
    rows = (
        user_table.objects.filter(user=user, **permission, **generic)
        .values_list("object_pk", flat=True)
        .union(
            group_table.objects.filter(group__user=user, **permission, **generic).values_list(
                "object_pk", flat=True
            )
        )
    )
    pks = []
    for value in rows:
        try:
            pks.append(model._meta.pk.to_python(value))
        except ValidationError:  # a text key no row of this model can have
            continue
    return pks


def _scope(model: type[models.Model], user, action: str, prefix: str = "") -> models.Q | None:
    """The rows of ``model`` (reached through ``prefix``) ``user`` may act on without the
    model-level permission: granted one by one, or under a parent they may act on. ``None``
    when nothing can be.

    Small tables with direct grant tables (sites, cameras) are scoped by sub-selects on those
    tables. A big table under such a parent (alerts under cameras) is scoped by the parent's
    permitted ids, read first as a short list (a guard's tens of cameras, a supervisor's
    hundreds), so it is filtered by ``camera_id IN (…)`` on its index; deeper tables follow
    the foreign key to it (a decision through its alert).
    """
    direct = _grant_tables(model)[2]
    if direct:
        parts = [_direct_grants(model, user, action, prefix)]
    else:
        granted = _generic_granted_pks(model, user, action)
        parts = [models.Q(**{f"{prefix}pk__in": granted})] if granted else []
    parent_field = getattr(model, "permission_parent", None)
    if parent_field:
        parent_model = model._meta.get_field(parent_field).related_model
        if parent_model is not model and user.has_perm(permission_name(parent_model, action)):
            return models.Q(**{f"{prefix}{parent_field}__isnull": False})  # every parent
        if direct or _grant_tables(parent_model)[2]:
            parent_scope = _scope(parent_model, user, action)
            parents = (
                parent_model._default_manager.filter(parent_scope).order_by().values("pk")
                if parent_scope is not None
                else None
            )
            if parents is not None and direct:
                parts.append(models.Q(**{f"{prefix}{parent_field}__in": parents}))
            elif parents is not None:
                ids = list(parents.values_list("pk", flat=True))
                if ids:
                    parts.append(models.Q(**{f"{prefix}{parent_field}__in": ids}))
        else:
            chained = _scope(parent_model, user, action, f"{prefix}{parent_field}__")
            if chained is not None:
                parts.append(chained)
    if not parts:
        return None
    scope = parts[0]
    for part in parts[1:]:
        scope |= part
    return scope


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may act on."""

    def restrict(self, user: AbstractBaseUser | AnonymousUser | None, action: str = "view"):
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; expected one of {ACTIONS}.")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.has_perm(permission_name(self.model, action)):
            return self
        scope = _scope(self.model, user, action)
        return self.none() if scope is None else self.filter(scope)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def get_restricted_or_404(queryset: RestrictedQuerySet, user, action: str = "view", **lookup):
    """Fetch one object through the gate; hidden and missing both raise the same 404."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
