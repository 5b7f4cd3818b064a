from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("alerts/<int:pk>/snapshot.jpg", views.alert_snapshot, name="alert-snapshot"),
    path("alerts/<int:pk>/clip.mp4", views.alert_clip, name="alert-clip"),
    path("live/<int:camera_id>/frame.jpg", views.live_frame, name="live-frame"),
    path("live/<int:camera_id>/feed.mjpg", views.live_mjpeg, name="live-mjpeg"),
]
