"""Writes of the analytics app, split by domain: alerts and worker reports (``alerts``);
later modules add triage and zone/rule editing."""

from analytics.services.alerts import (  # noqa: F401
    alert_clip_attach,
    alert_media_open,
    alert_raise,
    alert_thumbnails_shown_record,
    detector_models_record,
    live_view_record,
)
from analytics.services.bulk import (  # noqa: F401
    BulkAcknowledgeResult,
    alert_bulk_acknowledge,
)
from analytics.services.triage import (  # noqa: F401
    alert_actions_allowed,
    alert_decide,
    escalation_candidates,
    rule_min_confidence_apply,
)
from analytics.services.zones import (  # noqa: F401
    rule_delete,
    rule_save,
    zone_delete,
    zone_save,
)
