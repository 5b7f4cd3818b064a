from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Video analytics"

    def ready(self) -> None:
        from analytics.signals import connect_config_signals

        _register_audited_models()
        _register_retention()
        connect_config_signals()
        _connect_rollups()
        from analytics import reports

        reports.register()  # the DPO's desk: report sections and dashboard tiles


def _connect_rollups() -> None:
    """Every alert and decision written marks its camera-day's statistics for a recompute."""
    from django.db.models.signals import post_save

    from analytics.models import Alert, AlertDecision
    from analytics.services.rollups import on_alert_saved, on_decision_saved

    post_save.connect(on_alert_saved, sender=Alert, dispatch_uid="veil-stats-alert")
    post_save.connect(on_decision_saved, sender=AlertDecision, dispatch_uid="veil-stats-decision")


def _register_retention() -> None:
    """Alert media go with the camera's retention; alert rows (the decision log) later."""
    from analytics.retention import ALERT_MEDIA, ALERT_ROWS
    from privacy.services.retention import retention_register

    retention_register(ALERT_MEDIA)
    retention_register(ALERT_ROWS)


def _register_audited_models() -> None:
    """What turns detections into alerts, and every decision on an alert, is audited."""
    from analytics.models import Alert, AlertDecision, MissedEvent, Rule, Zone
    from compliance.audit import audit_register

    # Triage: an alert's status changes only by a person's decision; the decision rows are
    # the who / when / why. A rule's threshold tuned from the review page is a rule change.
    audit_register(Alert, include_fields=["status", "escalated_to"])
    audit_register(AlertDecision)
    audit_register(Rule, exclude_fields=["updated_at"])
    audit_register(Zone)
    audit_register(MissedEvent)
