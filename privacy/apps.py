from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        from privacy import reports, signals

        _register_audited_models()
        signals.connect()
        _gate_recognition()
        _register_retention()
        reports.register()  # the DPO's desk: report sections and the un-mask tile


def _gate_recognition() -> None:
    """Recognition on a camera needs an approved DPIA in force (privacy.services.dpia)."""
    from cameras.recognition import recognition_approver_register
    from privacy.services.dpia import dpia_recognition_refusal

    recognition_approver_register(dpia_recognition_refusal)


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register
    from privacy.models import (
        Dpia,
        LegalHold,
        NoticeVersion,
        PolicyVersion,
        PrivacyMask,
        Sign,
        SignInspection,
        UnmaskGrant,
        UnmaskPolicy,
    )

    audit_register(PrivacyMask, exclude_fields=["updated_at"])
    audit_register(NoticeVersion, exclude_fields=["content", "printed", "diff"])
    audit_register(PolicyVersion, exclude_fields=["updated_at", "diff"])
    audit_register(Sign, exclude_fields=["updated_at", "printed"], m2m_fields={"cameras"})
    audit_register(SignInspection)
    audit_register(Dpia, exclude_fields=["updated_at"], m2m_fields={"cameras"})
    audit_register(LegalHold, m2m_fields={"cameras"})
    audit_register(UnmaskGrant, m2m_fields={"cameras"})
    audit_register(UnmaskPolicy, exclude_fields=["updated_at"])


def _register_retention() -> None:
    """Recorded segments (both tracks) go with their camera's retention."""
    from privacy.services.recording import RECORDING_SEGMENTS
    from privacy.services.retention import retention_register

    retention_register(RECORDING_SEGMENTS)
