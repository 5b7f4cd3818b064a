from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        from privacy import signals

        _register_audited_models()
        signals.connect()


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register
    from privacy.models import (
        LegalHold,
        NoticeVersion,
        PolicyVersion,
        PrivacyMask,
        Sign,
        SignInspection,
    )

    audit_register(PrivacyMask, exclude_fields=["updated_at"])
    audit_register(NoticeVersion, exclude_fields=["content", "printed", "diff"])
    audit_register(PolicyVersion, exclude_fields=["updated_at", "diff"])
    audit_register(Sign, exclude_fields=["updated_at", "printed"], m2m_fields={"cameras"})
    audit_register(SignInspection)
    audit_register(LegalHold, m2m_fields={"cameras"})
