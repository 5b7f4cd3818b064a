from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        from privacy import reports

        _register_audited_models()
        reports.register()  # the DPO's desk: report sections and the un-mask tile


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register
    from privacy.models import LegalHold, PrivacyMask

    audit_register(PrivacyMask, exclude_fields=["updated_at"])
    audit_register(LegalHold, m2m_fields={"cameras"})
