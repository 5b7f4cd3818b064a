"""All websocket routes, gathered from the apps that serve them."""

from analytics.routing import websocket_urlpatterns as analytics_routes
from privacy.routing import websocket_urlpatterns as privacy_routes

websocket_urlpatterns = [*analytics_routes, *privacy_routes]
