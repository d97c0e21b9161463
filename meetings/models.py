"""Meetings (calls with audio and screensharing), who took part, and invitations to guests.

A patron screenshare is a meeting of the operator who claimed a patron chat and that chat's
patron, who takes part through the chat's token (no account, no cookie).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.text import get_text_list
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MAX_PARTICIPANTS = 8


class Meeting(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("One-to-one screenshare")
        GROUP = "group", _("Group meeting")
        PATRON = "patron", _("Patron screenshare")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    room = models.ForeignKey(
        "internalchat.Room",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        help_text="The internal chat room it was started from; its start and end are posted there.",
    )
    patron_chat = models.ForeignKey(
        "chats.PatronChat",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
        help_text="The patron chat a patron screenshare was offered in.",
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="hosted_meetings"
    )
    invited = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="meeting_invitations", blank=True
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["ended_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="patron", patron_chat__isnull=False)
                | (~Q(kind="patron") & Q(patron_chat__isnull=True)),
                name="meeting_patron_chat_iff_patron_kind",
            ),
            models.UniqueConstraint(
                fields=["patron_chat"],
                condition=Q(ended_at__isnull=True, patron_chat__isnull=False),
                name="one_running_screenshare_per_chat",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def duration(self):
        return (self.ended_at - self.started_at) if self.ended_at else None

    @property
    def guest_title(self) -> str:
        """The title as a guest invited by email reads it. A one-to-one screenshare is titled
        for staff "Screenshare: A and B"; with a guest it is a meeting with those two."""
        if self.kind != self.Kind.DIRECT:
            return self.title
        names = [self.host.name, *(operator.name for operator in self.invited.all())]
        return gettext("Meeting with %(names)s") % {"names": get_text_list(names, gettext("and"))}


class GuestInvite(models.Model):
    """A personal link for someone outside the library; it dies with the meeting or after 24 h."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="guest_invites")
    email = models.EmailField()
    display_name = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.email} to {self.meeting}"


class Participant(models.Model):
    """One person's presence in a meeting: an operator, a guest or a patron chat's patron, one
    socket at a time."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    guest = models.ForeignKey(
        GuestInvite, on_delete=models.CASCADE, null=True, blank=True, related_name="participants"
    )
    patron_chat = models.ForeignKey(
        "chats.PatronChat", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    display_name = models.CharField(max_length=100)
    channel_name = models.CharField(max_length=200, blank=True)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    muted = models.BooleanField(default=False)
    sharing = models.BooleanField(default=False)

    class Meta:
        ordering = ["joined_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operator__isnull=False, guest__isnull=True, patron_chat__isnull=True)
                | Q(operator__isnull=True, guest__isnull=False, patron_chat__isnull=True)
                | Q(operator__isnull=True, guest__isnull=True, patron_chat__isnull=False),
                name="participant_is_operator_guest_or_patron",
            ),
            models.UniqueConstraint(
                fields=["meeting", "operator"],
                condition=Q(left_at__isnull=True, operator__isnull=False),
                name="operator_in_meeting_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "guest"],
                condition=Q(left_at__isnull=True, guest__isnull=False),
                name="guest_in_meeting_once",
            ),
            models.UniqueConstraint(
                fields=["meeting", "patron_chat"],
                condition=Q(left_at__isnull=True, patron_chat__isnull=False),
                name="patron_in_meeting_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.meeting}"

    def as_event(self) -> dict:
        """The participant as pages see it (load `meeting` with it: its host is asked)."""
        return {
            "id": self.pk,
            "name": self.display_name,
            "guest": self.guest_id is not None,
            "patron": self.patron_chat_id is not None,
            # Who may clear every annotation on any screen, with whoever shares that screen.
            "host": self.operator_id is not None and self.operator_id == self.meeting.host_id,
            "muted": self.muted,
            "sharing": self.sharing,
        }
