from django.urls import path

from analytics.views import media, playback, wall
from analytics.views import missed as missed_views
from analytics.views import triage as triage_views
from analytics.views import zones as zone_views

app_name = "analytics"

urlpatterns = [
    path("alerts/<int:pk>/snapshot.jpg", media.alert_snapshot, name="alert-snapshot"),
    path("alerts/<int:pk>/thumbnail.jpg", media.alert_thumbnail, name="alert-thumbnail"),
    path("alerts/<int:pk>/clip.mp4", media.alert_clip, name="alert-clip"),
    path("live/<int:camera_id>/frame.jpg", media.live_frame, name="live-frame"),
    path("live/<int:camera_id>/feed.mjpg", media.live_mjpeg, name="live-mjpeg"),
    path("wall/", wall.wall, name="wall"),
    # Recorded video (anonymised track): the page, the player's index, the segments.
    path("cameras/<int:camera_id>/recordings/", playback.camera_playback, name="camera-playback"),
    path(
        "cameras/<int:camera_id>/recordings/index.json",
        playback.playback_index,
        name="playback-index",
    ),
    path(
        "recordings/segments/<int:segment_id>.mp4",
        playback.recording_segment,
        name="recording-segment",
    ),
    # The zone and rule editor (admins: those who may change the camera). Shapes are saved
    # through the REST API (/api/v1/zones/, /api/v1/privacy-masks/).
    path("cameras/<int:camera_id>/zones/", zone_views.camera_zones, name="camera-zones"),
    path("cameras/<int:camera_id>/rules/new/", zone_views.rule_save, name="rule-create"),
    path("cameras/<int:camera_id>/rules/<int:rule_id>/", zone_views.rule_save, name="rule-edit"),
    path(
        "cameras/<int:camera_id>/rules/<int:rule_id>/delete/",
        zone_views.rule_delete,
        name="rule-delete",
    ),
    # Triage: alerts, one alert and its decisions, supervisors' review and calibration.
    path("alerts/", triage_views.alert_list, name="alert-list"),
    path(
        "alerts/acknowledge/",
        triage_views.alert_bulk_acknowledge,
        name="alert-bulk-acknowledge",
    ),
    path("alerts/<int:pk>/", triage_views.alert_detail, name="alert-detail"),
    path("alerts/<int:pk>/decide/", triage_views.alert_decide, name="alert-decide"),
    path("review/", triage_views.review, name="review"),
    path("missed/new/", missed_views.missed_event_create, name="missed-event-create"),
    path("review/rules/<int:rule_id>/apply/", triage_views.rule_tune, name="rule-tune"),
]
