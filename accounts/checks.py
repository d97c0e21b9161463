"""Presence settings that cannot work together are refused at start, not found out in use."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def presence_timing(app_configs, **kwargs):
    oldest = settings.LIBCHAT_PING_SECONDS + settings.LIBCHAT_HEARTBEAT_FLUSH_SECONDS
    if oldest < settings.LIBCHAT_ALIVE_SECONDS:
        return []
    return [
        Error(
            "LIBCHAT_PING_SECONDS + LIBCHAT_HEARTBEAT_FLUSH_SECONDS must be less than "
            f"LIBCHAT_ALIVE_SECONDS ({oldest:g} s is not less than "
            f"{settings.LIBCHAT_ALIVE_SECONDS} s): every open dashboard would drop offline.",
            hint="Ping more often, flush sooner, or count connections alive for longer.",
            id="libchat.E001",
        )
    ]
