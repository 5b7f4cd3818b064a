from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance and audit"

    def ready(self) -> None:
        # Log-in and log-out events. The audited models are registered by the apps that own
        # them (``compliance.audit.audit_register`` in each app's ``ready``).
        # The DPO's desk: compliance's own report sections and dashboard tiles; other apps
        # add theirs in their ``ready`` (``compliance.reports``, ``compliance.dashboard``).
        from compliance import (
            signals,  # noqa: F401
            tiles,
        )
        from compliance.reports import sections

        sections.register()
        tiles.register()
