from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance and audit"

    def ready(self) -> None:
        from compliance import signals  # noqa: F401
        from compliance.audit import register_audited_models

        register_audited_models()
