"""WebSocket routes: staff sockets (session-authenticated) and public ones."""

from django.urls import path

from accounts.consumers import DashboardConsumer
from chats.consumers import PatronChatConsumer
from meetings.consumers import GuestMeetingConsumer
from widgets.consumers import widget_status_socket

websocket_urlpatterns = [
    path("ws/dashboard/", DashboardConsumer.as_asgi()),
    path("ws/meetings/guest/<str:token>/", GuestMeetingConsumer.as_asgi()),
]

# Public sockets: no session is read (patrons on library sites), only the origin is checked.
public_websocket_urlpatterns = [
    path("ws/widget-status/<int:widget_id>/", widget_status_socket),
    path("ws/widget/<str:token>/", PatronChatConsumer.as_asgi()),
]
