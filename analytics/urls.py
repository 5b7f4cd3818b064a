from django.urls import path

from analytics.views import media, wall

app_name = "analytics"

urlpatterns = [
    path("alerts/<int:pk>/snapshot.jpg", media.alert_snapshot, name="alert-snapshot"),
    path("alerts/<int:pk>/clip.mp4", media.alert_clip, name="alert-clip"),
    path("live/<int:camera_id>/frame.jpg", media.live_frame, name="live-frame"),
    path("live/<int:camera_id>/feed.mjpg", media.live_mjpeg, name="live-mjpeg"),
    path("wall/", wall.wall, name="wall"),
]
