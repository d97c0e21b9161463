from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    """Calls and screensharing (WebRTC, signalled over our sockets): its own app because a meeting
    has its own lifecycle, participants and outside guests, and serves internal and patron chats."""

    name = "meetings"

    def ready(self):
        # Socket actions, receivers, and tasks that services start by name.
        from meetings import live_actions, receivers, tasks  # noqa: F401
