from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        _register_audited_models()


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register, audit_scope_register
    from privacy.models import (
        Breach,
        InsurancePolicy,
        LegalHold,
        PrivacyMask,
        RiskAssessment,
        SubjectAccessRequest,
        Transfer,
        Vendor,
    )

    audit_register(PrivacyMask, exclude_fields=["updated_at"])
    audit_register(LegalHold, m2m_fields={"cameras"})
    # The requester's name and contact stay out of the change log: it outlives the request.
    audit_register(
        SubjectAccessRequest,
        m2m_fields={"cameras"},
        mask_fields=["requester_name", "requester_contact", "description"],
    )
    audit_scope_register(SubjectAccessRequest, lambda request: (request.site_id, None))
    for model in (Breach, Transfer, Vendor, RiskAssessment, InsurancePolicy):
        audit_register(model)
        audit_scope_register(model, lambda entry: (getattr(entry, "site_id", None), None))
