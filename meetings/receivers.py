"""A patron screenshare hangs on the chat's claim: it ends when the claimant lets go of the chat."""

from django.dispatch import receiver

from chats.signals import chat_released
from meetings import services


@receiver(chat_released)
def screenshare_ends_with_the_chat(sender, chat, **kwargs):
    services.patron_screenshares_end(chat=chat)
