"""Reads of the analytics app, split by domain: what workers need (``engine``) and what
people see (alerts); later modules add statistics."""

from analytics.selectors.alerts import (  # noqa: F401
    alert_decision_history,
    alert_get,
    alert_queryset,
    alert_thumbnail_jpeg,
    escalation_waiting_ids,
    escalations_waiting,
)
from analytics.selectors.engine import (  # noqa: F401
    CameraAnalyticsConfig,
    alert_list,
    camera_analytics_config,
    camera_analytics_configs,
    camera_config_version,
    camera_config_versions,
    cameras_for_analytics,
    rule_last_alert_times,
    rules_last_alert_times,
)
from analytics.selectors.stats import decider_stats, rule_stats  # noqa: F401
from analytics.selectors.wall import (  # noqa: F401
    last_alert_id,
    open_alert_count,
    open_alert_ids_by_camera,
    wall_cameras,
    wall_sites,
)
