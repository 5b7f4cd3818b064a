"""API rate limits: per client address for the anonymous, per person, per API token.

Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``anon``, ``user``, ``token``; set
from ``VMS_API_THROTTLE_*``). DRF copies the rates onto its throttle class when it is first
imported; these read them on every request instead, so a changed setting (a test's
``override_settings``) takes effect at once.

The anonymous are told apart by :func:`vms.client_address.client_address`, not DRF's own
reading of ``X-Forwarded-For`` (which trusts any client's header and so let a client escape
its limit by inventing a new address on every call). A token's requests count against the
token and against its owner, so many tokens do not multiply an account's rate.

DRF checks rates after permissions, so a call refused for want of credentials was never
counted: the anonymous could call without limit. :class:`ThrottleFirst`, the first of the
default permission classes, applies the rates before any other check; each throttle counts a
request once, so DRF's own check afterwards changes nothing.
"""

from __future__ import annotations

from rest_framework import permissions, throttling
from rest_framework.settings import api_settings

from vms.client_address import client_address


class _LiveRateMixin:
    def allow_request(self, request, view):
        counted = getattr(request, "_veil_throttles_counted", None)
        if counted is None:
            counted = request._veil_throttles_counted = set()
        if self.scope in counted:
            return True  # counted (and allowed) earlier in this request
        counted.add(self.scope)
        return super().allow_request(request, view)

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        address = client_address(request)
        return address.ip or f"unparsed:{address.raw}"


class AnonRateThrottle(_LiveRateMixin, throttling.AnonRateThrottle):
    """Requests without a person behind them, per client address."""


class UserRateThrottle(_LiveRateMixin, throttling.UserRateThrottle):
    """Requests of one person, whether by session or by token."""


class TokenRateThrottle(_LiveRateMixin, throttling.SimpleRateThrottle):
    """Requests made with one API token (``request.auth`` that says ``is_api_token``)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = request.auth
        if not getattr(token, "is_api_token", False):
            return None  # not a token request: nothing to count here
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class ThrottleFirst(permissions.BasePermission):
    """Not a permission: applies the view's rate limits before the permission checks."""

    def has_permission(self, request, view) -> bool:
        view.check_throttles(request)
        return True
