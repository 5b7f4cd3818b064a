"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket routes are collected from each app's ``routing.websocket_urlpatterns``; every socket
passes an exact origin check first (scheme, host and port: ``vms.websocket``), then the
session/auth middleware, then the session's expiry and second-factor rules
(``vms.middleware.sockets``); consumers refuse anonymous users themselves.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vms.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from vms.middleware.sockets import SessionSocketMiddleware  # noqa: E402
from vms.routing import websocket_urlpatterns  # noqa: E402
from vms.websocket import ExactOriginValidator  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": ExactOriginValidator(
            AuthMiddlewareStack(SessionSocketMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
