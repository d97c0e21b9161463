"""Put operators in a presence state directly, the way the services leave the database."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import LibChatSession
from tests.factories import DashboardConnectionFactory, LibChatSessionFactory


def signed_in(operator, *, status: str = "online", reachable: bool = True) -> LibChatSession:
    """A LibChat session with a dashboard that answered just now, or too long ago."""
    session = LibChatSessionFactory(operator=operator, status=status)
    silence = timedelta(0 if reachable else settings.LIBCHAT_ALIVE_SECONDS + 5)
    DashboardConnectionFactory(
        operator=operator, browser_key=session.browser_key, last_seen=timezone.now() - silence
    )
    return session
