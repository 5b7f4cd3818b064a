from django.urls import path

from privacy import consumers

websocket_urlpatterns = [
    path("ws/unmask/<int:grant_id>/<int:camera_id>/", consumers.UnmaskConsumer.as_asgi()),
]
