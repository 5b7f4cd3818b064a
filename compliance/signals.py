"""Log-in and log-out become access events, in the request's transaction. (Failed log-ins are
recorded by ``accounts.lockout``, which knows which account a typed name matches.)"""

from auditlog.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from compliance.models import AccessEvent, AccessKind, ReadOnlyRecordError
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


def chain_new_record(sender, instance, created, raw=False, **kwargs):
    """Every new access event and change-log entry joins the hash chain, in its transaction."""
    if created and not raw:
        from compliance.chain import chain_append

        chain_append(instance)


post_save.connect(chain_new_record, sender=AccessEvent, dispatch_uid="veil-chain-access")
post_save.connect(chain_new_record, sender=LogEntry, dispatch_uid="veil-chain-log-entry")


def refuse_log_entry_delete(sender, instance, **kwargs):
    """The change log is append-only on every database, not only where PostgreSQL's triggers
    refuse it: django-auditlog's ``auditlogflush`` (and any ORM delete) stops here, before a
    row goes. Retention of audit records is not a delete (README, "Audit trail")."""
    raise ReadOnlyRecordError("Change-log entries are append-only; they are never deleted.")


pre_delete.connect(refuse_log_entry_delete, sender=LogEntry, dispatch_uid="veil-log-entry-keep")
