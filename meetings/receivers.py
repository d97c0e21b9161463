"""A patron screenshare hangs on the chat's claim: it ends when the claimant lets go of the chat,
and forgets the patron's name when the retention setting anonymises the chat."""

from django.dispatch import receiver

from chats.signals import chat_released, chats_anonymised
from meetings import services


@receiver(chat_released)
def screenshare_ends_with_the_chat(sender, chat, **kwargs):
    services.patron_screenshares_end(chat=chat)


@receiver(chats_anonymised)
def screenshares_forget_the_patron(sender, chat_ids, **kwargs):
    services.patron_screenshares_anonymise(chat_ids=chat_ids)
