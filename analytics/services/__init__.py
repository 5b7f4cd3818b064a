"""Writes of the analytics app, split by domain: alerts and worker reports (``alerts``);
later modules add triage and zone/rule editing."""

from analytics.services.alerts import (  # noqa: F401
    alert_clip_attach,
    alert_media_open,
    alert_raise,
    detector_models_record,
    live_view_record,
)
from analytics.services.triage import (  # noqa: F401
    alert_actions_allowed,
    alert_decide,
    escalation_candidates,
    rule_min_confidence_apply,
)
from analytics.services.zones import (  # noqa: F401
    privacy_mask_delete,
    privacy_mask_save,
    rule_delete,
    rule_save,
    zone_delete,
    zone_save,
)
