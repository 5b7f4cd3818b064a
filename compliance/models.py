from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper

from vms.permissions import RestrictedQuerySet


class AccessKind(models.TextChoices):
    """Typed sensitive actions. Later capabilities add theirs here."""

    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed log-in"
    CAMERA_VIEW = "camera_view", "Viewed camera detail"
    LIVE_VIEW = "live_view", "Viewed live video"
    CLIP_VIEW = "clip_view", "Viewed a clip or snapshot"
    EXPORT = "export", "Exported"
    UNMASK = "unmask", "Un-masked video"
    ACCESS_GRANT = "access_grant", "Granted access"
    ACCESS_REVOKE = "access_revoke", "Revoked access"
    ROLE_CHANGE = "role_change", "Changed a role"
    USER_DEACTIVATE = "user_deactivate", "Deactivated a user"
    REPORT = "report", "Generated a report"
    ALERT_DECISION = "alert_decision", "Decided on an alert"
    RULE_TUNE = "rule_tune", "Tuned a rule's threshold"
    # Log-in security (accounts.lockout, accounts.mfa)
    LOGIN_LOCKED = "login_locked", "Locked out after failed log-ins"
    LOGIN_UNLOCKED = "login_unlocked", "Unlocked a log-in"
    MFA_ENROL = "mfa_enrol", "Set up two-factor authentication"
    MFA_VERIFY = "mfa_verify", "Verified a second factor"
    MFA_VERIFY_FAILED = "mfa_verify_failed", "Failed a second-factor check"
    MFA_RECOVERY_USED = "mfa_recovery_used", "Used a recovery code"
    MFA_RECOVERY_RENEW = "mfa_recovery_renew", "Renewed recovery codes"
    MFA_RESET = "mfa_reset", "Removed two-factor authentication"
    # API tokens (accounts.tokens)
    API_TOKEN_CREATE = "api_token_create", "Created an API token"
    API_TOKEN_REVOKE = "api_token_revoke", "Revoked an API token"
    API_TOKEN_REFUSED = "api_token_refused", "Refused an API token"
    # Encryption at rest (privacy.services.keys)
    KEY_ROTATE = "key_rotate", "Re-wrapped keys under a new master key"
    KEY_DESTROY = "key_destroy", "Destroyed a data key (crypto-erasure)"
    # Retention and legal holds (privacy.services.retention, privacy.services.holds)
    RETENTION_PURGE = "retention_purge", "Deleted footage past retention"
    LEGAL_HOLD_PLACE = "legal_hold_place", "Placed a legal hold"
    LEGAL_HOLD_RELEASE = "legal_hold_release", "Released a legal hold"
    RETENTION_APPROVE = "retention_approve", "Approved a longer retention"
    RETENTION_REFUSE = "retention_refuse", "Refused a longer retention"
    # Recording and the four-eyes un-mask (privacy.services.recording, privacy.services.unmask)
    RECORDING_VIEW = "recording_view", "Watched recorded video (anonymised)"
    UNMASK_REQUEST = "unmask_request", "Requested an un-mask"
    UNMASK_APPROVE = "unmask_approve", "Approved an un-mask"
    UNMASK_REFUSE = "unmask_refuse", "Refused an un-mask"
    UNMASK_REVOKE = "unmask_revoke", "Revoked an un-mask"
    # The DPO's desk (compliance reports, dashboard) and accountability records
    REPORT_DOWNLOAD = "report_download", "Downloaded a report"
    MISSED_EVENT = "missed_event", "Recorded a missed event"
    AUDIT_VERIFY = "audit_verify", "Verified the audit trail"
    RECORD_PUBLISH = "record_publish", "Published a notice, policy or DPIA"
    # Subject-access requests and the DPO's registers (privacy.services.requests, .registers)
    SUBJECT_REQUEST_RECEIVE = "subject_request_receive", "Received a subject-access request"
    SUBJECT_REQUEST_UPDATE = "subject_request_update", "Advanced a subject-access request"
    SUBJECT_REQUEST_PHOTO = "subject_request_photo", "Viewed a requester's photo"
    REGISTER_RECORD = "register_record", "Recorded in a DPO register"
    MODEL_ASSESSMENT_APPROVE = "model_assessment_approve", "Approved an AI model assessment"


class ReadOnlyRecordError(Exception):
    """Raised on any attempt to change or delete an audit record."""


class AccessEventQuerySet(RestrictedQuerySet):
    def restrict(self, user, action: str = "view"):
        # Audit rows are read-only for everyone: only "view" can ever match.
        if action != "view":
            return self.none()
        return super().restrict(user, action)

    def update(self, **kwargs):
        raise ReadOnlyRecordError("Access events are append-only.")

    def delete(self):
        raise ReadOnlyRecordError("Access events are append-only.")


class AccessEvent(models.Model):
    """One sensitive action, written by the service that performs it, in its transaction."""

    occurred_at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=32, choices=AccessKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="access_events",
    )
    # Kept as typed, so the record stays readable if the account is renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    # Where the action happened (the target's site and camera, compliance.audit.audit_scope):
    # plain ids, not foreign keys — the record outlives the camera and knows no higher app.
    site_id = models.BigIntegerField(null=True, blank=True)
    camera_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = models.Manager.from_queryset(AccessEventQuerySet)()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        # The list pages newest first by (occurred_at, id) keyset; each filter has its index
        # with that order after it (a million events stay an index range per page).
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["-occurred_at", "-id"], name="accessevent_time"),
            models.Index(fields=["kind", "-occurred_at", "-id"], name="accessevent_kind_time"),
            models.Index(fields=["actor", "-occurred_at", "-id"], name="accessevent_actor_time"),
            models.Index(fields=["site_id", "-occurred_at", "-id"], name="accessevent_site_time"),
            models.Index(
                fields=["camera_id", "-occurred_at", "-id"], name="accessevent_camera_time"
            ),
            models.Index(
                Upper("actor_username"),
                F("occurred_at").desc(),
                F("id").desc(),
                name="accessevent_actorname_time",
            ),
        ]
        default_permissions = ("view",)
        permissions = [("run_report", "Produce audit reports and exports")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_username or '-'} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ReadOnlyRecordError("Access events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReadOnlyRecordError("Access events are append-only.")


class AuditChainLink(models.Model):
    """One audit record's place in the hash chain (``compliance.chain``). Never changed."""

    seq = models.BigIntegerField(unique=True)
    record_type = models.CharField(max_length=16)
    record_id = models.BigIntegerField()
    content_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["record_type", "record_id"], name="audit_link_once")
        ]

    def __str__(self) -> str:
        return f"link {self.seq}: {self.record_type} {self.record_id}"


class AuditCheckpoint(models.Model):
    """The chain's head, count and time, signed with the deployment's Ed25519 key."""

    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    count = models.BigIntegerField()
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=120)
    public_key = models.CharField(max_length=60)

    class Meta:
        ordering = ["-seq", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"checkpoint at link {self.seq} ({self.created_at:%Y-%m-%d %H:%M} UTC)"

    def as_export(self) -> dict:
        return {
            "seq": self.seq,
            "head_hash": self.head_hash,
            "count": self.count,
            "created_at": self.created_at.isoformat(),
            "signature": self.signature,
            "public_key": self.public_key,
            "algorithm": "Ed25519",
        }


class VerificationRun(models.Model):
    """One recomputation of the audit chain (``compliance.chain.audit_verify``): the dashboard
    shows the last one, a report states the one it ran. Kept, never changed."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    since_seq = models.BigIntegerField(default=0)
    ok = models.BooleanField()
    links = models.BigIntegerField(default=0)
    checkpoints = models.IntegerField(default=0)
    first_break = models.TextField(blank=True)
    actor_username = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-finished_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        verdict = "intact" if self.ok else "BROKEN"
        return f"verification {self.finished_at:%Y-%m-%d %H:%M} UTC: {verdict}"


class Report(models.Model):
    """An audit report for a period and a scope: generated in the background (progress
    0–100), stored as a PDF and a zip of CSV files (encrypted at rest by the media storage),
    each with its SHA-256 so a copy handed out can be checked against the original."""

    class Scope(models.TextChoices):
        ALL = "all", "Whole organisation"
        SITE = "site", "One site"
        CAMERA = "camera", "One camera"
        USER = "user", "One user"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Generating"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    uid = models.UUIDField(unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Exclusive.")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.ALL)
    scope_id = models.CharField(max_length=64, blank=True)
    scope_label = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=120, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    pdf = models.CharField(max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    csv_zip = models.CharField(max_length=200, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return (
            f"Audit report {self.period_start:%Y-%m-%d} to {self.period_last_day:%Y-%m-%d} "
            f"({self.scope_label or self.get_scope_display()})"
        )

    @property
    def period_last_day(self) -> dt.datetime:
        """The end is exclusive: a week ends on its Sunday, not on the Monday after."""
        return self.period_end - dt.timedelta(microseconds=1)
