"""Reads of the privacy app, split by domain: ``recording`` (segments, a day's coverage),
``unmask`` (grants and what they open), ``transparency`` (notices, policies, signs, DPIAs),
``registers`` (subject-access requests, breaches, transfers, reviews due). All but the
recording reads are also importable from here."""

from privacy.selectors.registers import (
    breaches_for_dashboard,
    register_reviews_due,
    subject_requests_for_dashboard,
    subject_requests_visible,
    transfers_for_site,
    transfers_without_valid_mechanism,
)
from privacy.selectors.transparency import (
    cameras_without_covering_sign,
    dpias_due_for_review,
    notice_history_public,
    notice_latest_number,
    notice_version_public,
    policy_history_public,
    policy_version_public,
    sign_inspections_overdue,
    signs_stale,
)
from privacy.selectors.unmask import (
    unmask_active_grant,
    unmask_grants_visible,
    unmask_live_until_by_camera,
    unmask_original_segment,
    unmask_original_segments,
    unmask_pending_for_approver,
)

__all__ = [
    "breaches_for_dashboard",
    "register_reviews_due",
    "subject_requests_for_dashboard",
    "subject_requests_visible",
    "transfers_for_site",
    "transfers_without_valid_mechanism",
    "cameras_without_covering_sign",
    "dpias_due_for_review",
    "notice_history_public",
    "notice_latest_number",
    "notice_version_public",
    "policy_history_public",
    "policy_version_public",
    "sign_inspections_overdue",
    "signs_stale",
    "unmask_active_grant",
    "unmask_grants_visible",
    "unmask_live_until_by_camera",
    "unmask_original_segment",
    "unmask_original_segments",
    "unmask_pending_for_approver",
]
