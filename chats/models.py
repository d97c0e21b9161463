"""Patron chats started from a widget, and the messages exchanged in them."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from libchat.core.models import StoredFile


class PatronChat(models.Model):
    """One conversation with a patron, addressed by an unguessable token kept by the patron.

    Only the SHA-256 of the token is stored, so the database alone cannot open a chat.
    """

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    widget = models.ForeignKey("widgets.Widget", on_delete=models.PROTECT, related_name="chats")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    question = models.TextField(blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="patron_chats",
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when the chat was transferred to a department.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(help_text="Order in the queue; the oldest is served first.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.PositiveIntegerField(default=0, editable=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    internal_note = models.TextField(blank=True, help_text="For staff only; patrons never see it.")
    unclaimed_alert_at = models.DateTimeField(null=True, blank=True)
    patron_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="Last answer from the patron's page to a ping."
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="waiting", claimed_by__isnull=True)
                | Q(state="active", claimed_by__isnull=False)
                | Q(state="ended", ended_at__isnull=False),
                name="patron_chat_state_consistent",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="patron_chat_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["widget", "state", "queued_at"]),
            models.Index(fields=["state", "claimed_by"]),
        ]

    def __str__(self) -> str:
        return f"Chat {self.pk} ({self.get_state_display()})"

    @property
    def duration(self) -> timedelta | None:
        """From claim to end: how long the patron was served."""
        if self.claimed_at and self.ended_at:
            return self.ended_at - self.claimed_at
        return None


class PatronMessage(models.Model):
    class Sender(models.TextChoices):
        PATRON = "patron", "Patron"
        OPERATOR = "operator", "Operator"
        SYSTEM = "system", "System"

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="messages")
    number = models.PositiveIntegerField(help_text="Grows by one within the chat, from 1.")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(help_text="Sanitised HTML.")
    client_msg_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["chat", "number"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "number"], name="patron_message_number"),
            models.UniqueConstraint(
                fields=["chat", "sender", "client_msg_id"],
                condition=~Q(client_msg_id=""),
                name="patron_message_client_msg_id_once",
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="patron_message_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} #{self.number} in chat {self.chat_id}"


class PatronAttachment(StoredFile):
    """A file an operator sent into a patron chat, stored under a random name.

    The patron has no session, so the download URL carries a key of its own: derived from
    `key_nonce` with the server's SECRET_KEY (so the server can show the link again in the
    history and the emailed transcript) and looked up by its SHA-256, like the chat token.
    The database alone cannot make a working link.
    """

    message = models.ForeignKey(PatronMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="chats/", max_length=200)
    key_nonce = models.CharField(max_length=64, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="patron_attachment_not_empty")
        ]


class OfflineTicket(models.Model):
    """A question left through the widget's offline form, answered later by email."""

    widget = models.ForeignKey("widgets.Widget", on_delete=models.PROTECT, related_name="tickets")
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField()
    question = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who marked the ticket answered (the answer itself goes by email).",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") & ~Q(question=""), name="offline_ticket_email_and_question"
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=False) | Q(answered_by__isnull=True),
                name="offline_ticket_answered_by_only_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} from {self.email}"
