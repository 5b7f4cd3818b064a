from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        _register_audited_models()
        _register_retention()


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register
    from privacy.models import LegalHold, PrivacyMask

    audit_register(PrivacyMask, exclude_fields=["updated_at"])
    audit_register(LegalHold, m2m_fields={"cameras"})


def _register_retention() -> None:
    """Recorded segments (both tracks) go with their camera's retention."""
    from privacy.services.recording import RECORDING_SEGMENTS
    from privacy.services.retention import retention_register

    retention_register(RECORDING_SEGMENTS)
