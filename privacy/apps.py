from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy: anonymisation"

    def ready(self) -> None:
        from privacy import reports, signals, tiles

        _register_audited_models()
        signals.connect()
        _gate_recognition()
        _register_retention()
        reports.register()  # the DPO's desk: report sections and the un-mask tile
        tiles.register()  # and its obligation tiles (requests, breaches, signage, reviews)


def _gate_recognition() -> None:
    """Recognition on a camera needs an approved DPIA in force (privacy.services.dpia)."""
    from cameras.recognition import recognition_approver_register
    from privacy.services.dpia import dpia_recognition_refusal

    recognition_approver_register(dpia_recognition_refusal)


def _register_audited_models() -> None:
    """What is blacked out before anything is detected or shown is audited."""
    from compliance.audit import audit_register, audit_scope_register
    from privacy.models import (
        Breach,
        Dpia,
        InsurancePolicy,
        LegalHold,
        NoticeVersion,
        PolicyVersion,
        PrivacyMask,
        RiskAssessment,
        Sign,
        SignInspection,
        SubjectAccessRequest,
        Transfer,
        UnmaskGrant,
        UnmaskPolicy,
        Vendor,
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


def _register_retention() -> None:
    """Recorded segments (both tracks) go with their camera's retention."""
    from privacy.services.recording import RECORDING_SEGMENTS
    from privacy.services.retention import retention_register

    retention_register(RECORDING_SEGMENTS)
