"""ASGI entry point: HTTP through Django; WebSockets through the origin check, then the public
routes, else the session-authenticated router."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libchat.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import re_path  # noqa: E402

from libchat.routing import public_websocket_urlpatterns, websocket_urlpatterns  # noqa: E402
from widgets.status_api import StatusFastPath  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": StatusFastPath(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            URLRouter(
                [
                    *public_websocket_urlpatterns,
                    re_path(r"", AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
                ]
            )
        ),
    }
)
