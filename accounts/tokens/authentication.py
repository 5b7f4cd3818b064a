"""DRF authentication by API token: ``Authorization: Token <key>`` or ``Bearer <key>``.

A request with a token runs as the token's owner, through the same gate as their session
would; ``request.auth`` is the :class:`~accounts.tokens.models.ApiToken`. A refused token is
answered 401 (403 for a read-only token on an unsafe method) and recorded; refusals from one
address beyond the anonymous rate are answered 429 and no longer recorded, so nobody can
flood the audit trail with made-up keys.
"""

from __future__ import annotations

from auditlog.context import auditlog_value
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from accounts.tokens.services import ApiTokenRefused, TokenRefusal, api_token_authenticate
from vms.api_throttles import AnonRateThrottle

KEYWORDS = (b"token", b"bearer")


class TokenRefused(exceptions.AuthenticationFailed):
    #: Keep the refusal's access event: the request's transaction is otherwise rolled back.
    keep_transaction = True


class TokenScopeRefused(exceptions.PermissionDenied):
    keep_transaction = True


class _RefusalThrottle(AnonRateThrottle):
    """Refused tokens per client address, at the anonymous rate: checked before a token is
    looked at, counted only when it is refused."""

    scope = "anon"
    cache_format = "throttle_token_refused_%(scope)s_%(ident)s"

    def exhausted(self, request) -> bool:
        if self.rate is None:
            return False
        self.key = self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        self.now = self.timer()
        self.history = [t for t in self.cache.get(self.key, []) if t > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def count(self) -> None:
        if self.rate is not None:
            self.history.insert(0, self.now)
            self.cache.set(self.key, self.history, self.duration)


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None  # not ours: the session (or nothing) decides
        refusals = _RefusalThrottle()
        if refusals.exhausted(request):
            raise exceptions.Throttled(refusals.wait())
        try:
            key = header[1].decode("ascii") if len(header) == 2 else ""
        except UnicodeDecodeError:
            key = ""  # refused as malformed below, and recorded
        try:
            token = api_token_authenticate(key=key, request=request)
        except ApiTokenRefused as exc:
            refusals.count()
            if exc.reason == TokenRefusal.READ_ONLY:
                raise TokenScopeRefused("This token is read-only.") from None
            raise TokenRefused("Invalid, expired or revoked token.") from None
        # For the audit trail: each access event of this request names the token. Set on the
        # Django request (reading DRF's ``request.auth`` there would authenticate again).
        request._request.api_token = token
        # Changes this request makes are the owner's in the change log too (the auditlog
        # middleware saw no one: a token is read here, after the middleware ran).
        context = auditlog_value.get(None)
        if context is not None and context.get("actor") is None:
            context["actor"] = token.owner
        return token.owner, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's name for token authentication (both header keywords are accepted)."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer <key>` or `Token <key>`.",
        }
