from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Video analytics"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from analytics import reports
        from analytics.services.assessments import shipped_model_assessments_after_migrate
        from analytics.signals import connect_config_signals

        _register_audited_models()
        _register_retention()
        connect_config_signals()
        _connect_rollups()
        reports.register()  # the DPO's desk: report sections and dashboard tiles
        # After a flush too (tests): the shipped models keep their approved assessments.
        post_migrate.connect(
            shipped_model_assessments_after_migrate, dispatch_uid="veil-seed-model-assessments"
        )
        _register_assessment_register()


def _connect_rollups() -> None:
    """Every alert and decision written marks its camera-day's statistics for a recompute."""
    from django.db.models.signals import post_save

    from analytics.models import Alert, AlertDecision
    from analytics.services.rollups import on_alert_saved, on_decision_saved

    post_save.connect(on_alert_saved, sender=Alert, dispatch_uid="veil-stats-alert")
    post_save.connect(on_decision_saved, sender=AlertDecision, dispatch_uid="veil-stats-decision")


def _register_assessment_register() -> None:
    """AI-model assessments join the DPO's registers (pages, API) with their approval step."""
    from analytics.models import ModelAssessment
    from analytics.services.assessments import model_assessment_approve
    from privacy.registers import Register, register
    from vms.permissions import Perm

    register(
        Register(
            slug="model-assessments",
            title="AI model assessments",
            model=ModelAssessment,
            intro="Every AI model Veil runs, its vendor and the evidence it is fit to: accuracy "
            "and false-positive rates by group on a named test set, intended use, limits. A "
            "model without an approved, current assessment is not deployed to cameras.",
            fields=(
                "model_name",
                "sha256",
                "vendor",
                "test_set",
                "accuracy_summary",
                "false_positive_rates",
                "document",
                "document_reference",
                "intended_use",
                "limits",
                "valid_until",
            ),  # fmt: skip
            columns=(
                ("Model", "model_name"),
                ("Vendor", "vendor"),
                ("Test set", "test_set"),
                ("Approved", "approved_at"),
                ("Valid until", "valid_until"),
            ),
            facts=(
                ("Approved", "approved_at"),
                ("Approved by", "approved_by"),
                ("Live false-positive rate (triage, 90 days)", "live_false_positive_rate"),
            ),
            select_related=("vendor", "approved_by"),
            approve=model_assessment_approve,
            approve_permission=Perm.APPROVE_MODEL_ASSESSMENT,
        )
    )


def _register_retention() -> None:
    """Alert media go with the camera's retention; alert rows (the decision log) later."""
    from analytics.retention import ALERT_MEDIA, ALERT_ROWS
    from privacy.services.retention import retention_register

    retention_register(ALERT_MEDIA)
    retention_register(ALERT_ROWS)


def _register_audited_models() -> None:
    """What turns detections into alerts, and every decision on an alert, is audited."""
    from analytics.models import Alert, AlertDecision, MissedEvent, ModelAssessment, Rule, Zone
    from compliance.audit import audit_register

    # Triage: an alert's status changes only by a person's decision; the decision rows are
    # the who / when / why. A rule's threshold tuned from the review page is a rule change.
    audit_register(Alert, include_fields=["status", "escalated_to"])
    audit_register(AlertDecision)
    audit_register(Rule, exclude_fields=["updated_at"])
    audit_register(Zone)
    audit_register(MissedEvent)
    audit_register(ModelAssessment, exclude_fields=["updated_at"])
