from django.urls import path

from analytics import consumers

websocket_urlpatterns = [
    path("ws/alerts/", consumers.AlertConsumer.as_asgi()),
    path("ws/live/<int:camera_id>/", consumers.LiveFeedConsumer.as_asgi()),
]
