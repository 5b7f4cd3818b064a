"""Reads of API tokens, through the gate."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.tokens.models import ApiToken
from vms.permissions import get_restricted_or_404


def api_tokens_visible(*, actor) -> QuerySet[ApiToken]:
    """The tokens ``actor`` may see: their own; everybody's with ``accounts.view_apitoken``."""
    return ApiToken.objects.restrict(actor, "view").select_related("owner", "revoked_by")


def api_tokens_owned(*, actor) -> QuerySet[ApiToken]:
    """``actor``'s own tokens, newest first."""
    return api_tokens_visible(actor=actor).filter(owner=actor)


def api_token_get(*, actor, pk, action: str = "view") -> ApiToken:
    """One token through the gate; a hidden one is the same 404 as a missing one."""
    return get_restricted_or_404(ApiToken.objects.select_related("owner"), actor, action, pk=pk)
