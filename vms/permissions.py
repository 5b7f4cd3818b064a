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
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

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


class RestrictedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may act on."""

    def restrict(self, user: AbstractBaseUser | AnonymousUser | None, action: str = "view"):
        if action not in ACTIONS:
            raise ValueError(f"Unknown action {action!r}; expected one of {ACTIONS}.")
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        perm = permission_name(self.model, action)
        if user.has_perm(perm):
            return self
        granted = get_objects_for_user(
            user,
            perm,
            klass=self.model,
            use_groups=True,
            with_superuser=False,
            accept_global_perms=False,
        ).values("pk")
        scope = models.Q(pk__in=granted)
        parent_field = getattr(self.model, "permission_parent", None)
        if parent_field:
            parent_model = self.model._meta.get_field(parent_field).related_model
            parents = parent_model._default_manager.all().restrict(user, action).values("pk")
            scope |= models.Q(**{f"{parent_field}__in": parents})
        return self.filter(scope)


RestrictedManager = models.Manager.from_queryset(RestrictedQuerySet)


def get_restricted_or_404(queryset: RestrictedQuerySet, user, action: str = "view", **lookup):
    """Fetch one object through the gate; hidden and missing both raise the same 404."""
    try:
        return queryset.restrict(user, action).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
