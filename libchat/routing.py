"""WebSocket routes."""

from django.urls import path

from accounts.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
]
