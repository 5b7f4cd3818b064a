"""Multi-factor authentication, enforced for every page and every API call.

Who must verify a second factor after the password:

* holders of ``Perm.REQUIRE_MFA`` (the DPO and Admin roles, ``accounts.roles``): required; one
  without a device yet is sent to enrol at first log-in;
* anyone who has set up a device (optional for the other roles, from their Security page):
  once set up, it is asked at every log-in.

Until the session is verified (django-otp's ``OTPMiddleware``, which must run before this one,
sets ``request.user.otp_device``), such a user reaches only the views marked
:func:`mfa_exempt` (log-in, log-out, verify, enrol): other pages redirect there with ``next``,
the API answers 403 with a JSON error, and websockets close (:mod:`vms.middleware.sockets`).
Token-authenticated API clients (integrations) carry no session and are not concerned.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp.models import Device

from vms.permissions import Perm, has_permission

API_PREFIX = "/api/"
MFA_REQUIRED_MESSAGE = "Verify your second factor (authenticator code) before using Veil."


def mfa_exempt(view):
    """Mark a view as reachable before the second factor (log-in, verify, enrol, log-out)."""
    view.mfa_exempt = True
    return view


def mfa_required(user) -> bool:
    """Whether ``user``'s role obliges them to use a second factor."""
    return has_permission(user, Perm.REQUIRE_MFA)


def mfa_must_verify(user) -> bool:
    """Whether ``user`` must verify a second factor before using a session."""
    return mfa_required(user) or user_has_device(user, confirmed=True)


def session_verified(session, user) -> bool:
    """Whether ``session`` was verified with a confirmed device of ``user`` that still exists
    (for websockets, where django-otp's middleware does not run)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return device is not None and device.user_id == user.pk and device.confirmed


class MultiFactorMiddleware:
    """Sends a logged-in user who must verify, and has not, to verify or enrol.

    Sets ``request.mfa_pending`` for such a user, so pages they may reach (the verify page)
    leave out navigation and counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified() or not mfa_must_verify(user):
            return None
        request.mfa_pending = True
        if getattr(view_func, "mfa_exempt", False):
            return None
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                {"detail": MFA_REQUIRED_MESSAGE, "code": "mfa_required"}, status=403
            )
        enrolled = user_has_device(user, confirmed=True)
        target = settings.MFA_VERIFY_URL if enrolled else settings.MFA_ENROL_URL
        return redirect_to_login(request.get_full_path(), reverse(target))
