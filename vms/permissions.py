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
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

ACTIONS = ("view", "add", "change", "delete")


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
