from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from accounts.roles import ROLE_ORDER, Role
from vms.permissions import RestrictedQuerySet


class VeilUserManager(UserManager.from_queryset(RestrictedQuerySet)):
    """Django's user manager, with the permission gate's ``restrict``."""


class User(AbstractUser):
    """A Veil user. Roles are Django groups (see :mod:`accounts.roles`)."""

    email = models.EmailField("email address", blank=True)
    is_service_account = models.BooleanField(
        default=False,
        help_text="Acts for scheduled tasks and commands in the audit trail; cannot log in.",
    )

    objects = VeilUserManager()

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]
        permissions = [
            ("require_mfa", "Must verify a second factor (authenticator) at every log-in"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role(self) -> Role | None:
        """The user's highest role, or ``None`` for a user without one."""
        names = {group.name for group in self.groups.all()}
        for role in reversed(ROLE_ORDER):
            if role.value in names:
                return role
        return None


# API tokens live in their own package; imported here so Django counts them as accounts models.
from accounts.tokens.models import ApiToken  # noqa: E402, F401
