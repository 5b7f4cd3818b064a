"""Log-in and log-out become access events, in the request's transaction. (Failed log-ins are
recorded by ``accounts.lockout``, which knows which account a typed name matches.)"""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from compliance.models import AccessKind
from compliance.services import access_event_record


@receiver(user_logged_in, dispatch_uid="veil-audit-login")
def record_login(sender, request, user, **kwargs):
    access_event_record(kind=AccessKind.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="veil-audit-logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        # Why, when it was not the person's own click (e.g. "session expired (idle)").
        reason = getattr(request, "logout_reason", "")
        access_event_record(
            kind=AccessKind.LOGOUT,
            actor=user,
            request=request,
            data={"reason": reason} if reason else None,
        )
