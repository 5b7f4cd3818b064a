"""The API token model (imported by ``accounts.models``, so it is part of the accounts app)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from vms.permissions import RestrictedQuerySet

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiTokenQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        """The gate, plus one's own tokens: everybody may see and revoke their own
        (``view``/``change``); ``accounts.view_apitoken`` sees every token,
        ``accounts.change_apitoken`` revokes any."""
        granted = super().restrict(user, action)
        if action not in ("view", "change") or not (
            user is not None and user.is_authenticated and user.is_active
        ):
            return granted
        return granted | self.filter(owner=user)

    def usable(self):
        """Neither revoked nor expired (the owner's state is checked on use)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A key an integration sends as ``Authorization: Token <key>`` (or ``Bearer``)."""

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    class Status(models.TextChoices):
        """Not stored: read from ``revoked_at`` and ``expires_at`` (:attr:`status`)."""

        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    #: The key's first characters, to recognise it in a list; never enough to use it.
    prefix = models.CharField(max_length=16)
    #: SHA-256 of the key, hex. The key itself is never stored.
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_from = models.GenericIPAddressField(null=True, blank=True)

    objects = models.Manager.from_queryset(ApiTokenQuerySet)()

    #: Tells throttling and the audit trail that ``request.auth`` is one of these.
    is_api_token = True

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]
        # Creating needs no right (one's own); seeing and revoking others' does.
        default_permissions = ("view", "change")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def status(self) -> str:
        """Revoked, expired or active (a :class:`Status` value)."""
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    @property
    def audit_label(self) -> str:
        """How the audit trail names the token a request came in with."""
        return f"{self.prefix}… #{self.pk}"

    def permits(self, method: str) -> bool:
        """Whether this token's scope allows an HTTP ``method``."""
        return self.scope == self.Scope.WRITE or method.upper() in SAFE_METHODS
