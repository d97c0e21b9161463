"""Logging out of the site also signs the operator out of LibChat."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from accounts.models import LibChatSession
from accounts.services import libchat_sign_out


@receiver(user_logged_out)
def sign_out_of_libchat_on_logout(sender, request, user, **kwargs):
    if user is not None:
        libchat_sign_out(operator=user, reason=LibChatSession.EndReason.LOGGED_OUT)
