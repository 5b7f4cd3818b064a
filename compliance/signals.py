"""Log-in, log-out and failed log-in become access events, in the request's transaction."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from compliance.models import AccessKind
from compliance.services import access_event_record


@receiver(user_logged_in, dispatch_uid="veil-audit-login")
def record_login(sender, request, user, **kwargs):
    access_event_record(kind=AccessKind.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="veil-audit-logout")
def record_logout(sender, request, user, **kwargs):
    if user is not None:
        access_event_record(kind=AccessKind.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="veil-audit-login-failed")
def record_login_failed(sender, credentials, request=None, **kwargs):
    # The password is never recorded; Django already masks it in ``credentials``.
    username = str(credentials.get("username", ""))[:150]
    access_event_record(
        kind=AccessKind.LOGIN_FAILED,
        actor_username=username,
        request=request,
        data={"username": username},
    )
