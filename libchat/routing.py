"""WebSocket routes."""

from django.urls import path

from accounts.consumers import DashboardConsumer
from meetings.consumers import GuestMeetingConsumer

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/meetings/guest/<str:token>/", GuestMeetingConsumer.as_asgi()),
]
