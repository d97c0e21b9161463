"""Patron chats started from a widget, and the messages exchanged in them."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from libchat.core.models import StoredFile
from systems.models import SystemField

PAGE_URL_MAX_CHARS = 500


class PatronChat(models.Model):
    """One conversation with a patron, addressed by an unguessable token kept by the patron.

    Only the SHA-256 of the token is stored, so the database alone cannot open a chat.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    widget = models.ForeignKey("widgets.Widget", on_delete=models.PROTECT, related_name="chats")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    question = models.TextField(blank=True)
    language = models.CharField(
        max_length=8,
        default="en",
        editable=False,
        help_text="What the patron's page speaks (the widget's language, or their browser's "
        "among the shipped ones): LibChat's words to the patron follow it.",
    )
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
    claimed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the current holder took the chat."
    )
    first_claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an operator first took the chat; kept through transfers and requeues.",
    )
    first_response_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an operator first wrote to the patron; set means the chat was answered.",
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.PositiveIntegerField(default=0, editable=False)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)
    internal_note = models.TextField(blank=True, help_text="For staff only; patrons never see it.")
    unclaimed_alert_at = models.DateTimeField(null=True, blank=True)
    patron_seen_at = models.DateTimeField(
        null=True, blank=True, help_text="Last answer from the patron's page to a ping."
    )
    page_url = models.URLField(
        "page",
        max_length=PAGE_URL_MAX_CHARS,
        blank=True,
        help_text="The library page the chat was started from, when the widget sends it.",
    )
    patron_ref = models.CharField(
        "patron id",
        max_length=32,
        blank=True,
        help_text="A random id kept by the library's pages in the patron's browser: it finds "
        "the same patron's earlier chats.",
    )
    browser = models.CharField(
        max_length=100, blank=True, help_text="Browser and device, in a few words."
    )
    address_hash = models.CharField(
        "address hash",
        max_length=64,
        blank=True,
        editable=False,
        help_text="A keyed hash of the patron's IP address (never the address itself), so a "
        "block can hold by it.",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the retention setting removed the patron's details and the conversation.",
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ChatParticipant",
        related_name="+",
        help_text="Every operator who took part: claimed the chat or was handed it.",
    )
    tags = models.ManyToManyField(
        "ChatTag",
        blank=True,
        related_name="chats",
        help_text="The kinds of question this chat was, as its operators tagged it.",
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
            models.Index(fields=["patron_ref"], name="patron_chat_patron_ref"),
            models.Index(Upper("email"), name="patron_chat_email_upper"),
            # Reports: every figure is over a range of chats by when they started.
            models.Index(fields=["created_at"], name="patron_chat_created"),
            # Retention: the chats that ended before a cut-off.
            models.Index(fields=["ended_at"], name="patron_chat_ended"),
        ]

    def __str__(self) -> str:
        return f"Chat {self.pk} ({self.get_state_display()})"

    @property
    def answered(self) -> bool:
        """An operator wrote to the patron (claiming alone is not an answer)."""
        return self.first_response_at is not None

    @property
    def wait(self) -> timedelta | None:
        """From asking to the first claim."""
        return _between(self.created_at, self.first_claimed_at)

    @property
    def first_response(self) -> timedelta | None:
        """From asking to the first line an operator wrote."""
        return _between(self.created_at, self.first_response_at)

    @property
    def handling_time(self) -> timedelta | None:
        """From the first claim to the end, across every transfer and requeue: how long the
        desk had the patron in hand. None until the chat has been claimed and has ended."""
        return _between(self.first_claimed_at, self.ended_at)

    @property
    def anonymised_notice(self) -> str:
        if self.anonymised_at is None:
            return ""
        return gettext(
            "Anonymised on %(day)s: the patron's details and the conversation were removed by "
            "the library's retention setting."
        ) % {"day": date_format(timezone.localdate(self.anonymised_at), "SHORT_DATE_FORMAT")}

    def times_so_far(self, now: datetime) -> dict[str, timedelta | None]:
        """Wait, first response and handling time of a chat that may still be open: a time
        still running counts up to `now` (a wait until the chat is claimed or ends; handling
        until it ends)."""
        waiting = self.first_claimed_at is None and self.ended_at is None
        return {
            "wait": _between(self.created_at, now) if waiting else self.wait,
            "first_response": self.first_response,
            "handling": _between(self.first_claimed_at, self.ended_at or now),
        }


class ChatTag(models.Model):
    """A kind of question an operator tags a chat with ("Directional", "Research"), from the
    list the admin keeps; transcripts and reports filter and count by them. The READ scale's
    six levels ship as a built-in list, switched off until a library turns it on."""

    class Scale(models.TextChoices):
        LIBRARY = "", _("The library's own")
        READ = "read", _("READ scale")

    name = models.CharField(max_length=60)
    description = models.CharField(max_length=300, blank=True)
    scale = models.CharField(
        max_length=8,
        choices=Scale.choices,
        blank=True,
        editable=False,
        help_text="Which list the tag belongs to; the READ scale's levels come with LibChat.",
    )
    active = models.BooleanField(
        default=True,
        help_text="Offered to operators. A tag switched off keeps the chats already tagged.",
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Tags are listed by this number, then by name."
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(
                Upper("name"),
                name="chat_tag_name_unique_any_case",
                violation_error_message="There is already a tag of that name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


def _between(start: datetime | None, end: datetime | None) -> timedelta | None:
    return end - start if start and end else None


class ChatEvent(models.Model):
    """One change of who holds a chat: the chat's record of claims, transfers, requeues and its
    end, written by the lifecycle service in the same transaction as the change itself."""

    class Kind(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        TRANSFERRED = "transferred", _("Transferred to an operator")
        TO_DEPARTMENT = "to_department", _("Transferred to a department")
        REQUEUED = "requeued", _("Back to the queue")
        ENDED = "ended", _("Ended")
        DECLINED = "declined", _("Transfer declined")
        UNANSWERED = "unanswered", _("Transfer not answered")

    class Reason(models.TextChoices):
        NONE = "", "—"
        SIGNED_OUT = "signed_out", _("signed out")
        UNREACHABLE = "unreachable", _("could not be reached")
        BY_OPERATOR = "by_operator", _("ended by the operator")
        BY_PATRON = "by_patron", _("ended by the patron")
        PATRON_LEFT = "patron_left", _("the patron left")
        BLOCKED = "blocked", _("the patron was blocked")

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    at = models.DateTimeField()
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who held the chat when it moved on or ended; none for a claim.",
    )
    to_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    to_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    note = models.TextField(blank=True, help_text="The staff note given with a transfer.")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["chat", "at"]),
            models.Index(fields=["to_operator", "kind"]),
            models.Index(fields=["operator", "kind"]),
            # Reports count transfers (a few in a hundred events) of the chats in a range.
            models.Index(fields=["kind", "chat"], name="chat_event_kind_chat"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M:%S} (chat {self.chat_id})"

    @property
    def description(self) -> str:
        """What happened, in a sentence for the transcript and the patron panel (the note
        apart), in the reader's language; the operators' related rows are expected to be
        selected with the event."""
        by = self.operator.name if self.operator_id else gettext("An operator")
        if self.kind == self.Kind.CLAIMED:
            who = self.to_operator.name if self.to_operator_id else gettext("An operator")
            return gettext("%(name)s claimed it") % {"name": who}
        if self.kind == self.Kind.TRANSFERRED:
            to = self.to_operator.name if self.to_operator_id else gettext("another operator")
            return gettext("%(by)s transferred it to %(to)s") % {"by": by, "to": to}
        if self.kind == self.Kind.TO_DEPARTMENT:
            if self.to_department_id:
                return gettext("%(by)s transferred it to %(to)s's queue") % {
                    "by": by,
                    "to": self.to_department.name,
                }
            return gettext("%(by)s transferred it to a department's queue") % {"by": by}
        if self.kind == self.Kind.REQUEUED:
            return self._requeued_description(by)
        if self.kind in (self.Kind.DECLINED, self.Kind.UNANSWERED):
            to = self.to_operator.name if self.to_operator_id else gettext("Another operator")
            if self.kind == self.Kind.DECLINED:
                text = gettext("%(to)s declined the transfer from %(by)s; %(by)s kept the chat")
            else:
                text = gettext(
                    "%(to)s did not answer the transfer from %(by)s; %(by)s kept the chat"
                )
            return text % {"to": to, "by": by}
        if self.reason == self.Reason.BY_OPERATOR:
            return gettext("%(by)s ended it") % {"by": by}
        if self.reason == self.Reason.BY_PATRON:
            return gettext("The patron ended it")
        if self.reason == self.Reason.PATRON_LEFT:
            return gettext("Ended: the patron left")
        if self.reason == self.Reason.BLOCKED:
            return gettext("Ended: the patron was blocked")
        return gettext("Ended")

    def _requeued_description(self, by: str) -> str:
        # A whole sentence per reason (a requeue's is one of two): a reason's label alone does
        # not fit into another language's sentence.
        if self.reason == self.Reason.SIGNED_OUT:
            return gettext("Back to the queue: %(by)s signed out") % {"by": by}
        return gettext("Back to the queue: %(by)s could not be reached") % {"by": by}


class TransferOffer(models.Model):
    """A chat its holder offers to another operator, who accepts or declines it. The holder
    keeps the chat (and answers the patron) until it is accepted; an offer nobody answers by
    `expires_at` lapses (the chats-watch beat job, or the late Accept itself, closes it)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        UNANSWERED = "unanswered", _("Not answered in time")
        WITHDRAWN = "withdrawn", _("Withdrawn: the chat ended or left its holder")

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="offers")
    from_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    to_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="transfer_offers"
    )
    note = models.TextField(blank=True, help_text="The staff note given with the transfer.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["chat"],
                condition=Q(outcome="pending"),
                name="transfer_offer_one_pending_per_chat",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(answered_at__isnull=False),
                name="transfer_offer_answered_when_closed",
            ),
        ]
        indexes = [
            models.Index(fields=["to_operator", "outcome"]),
            models.Index(fields=["outcome", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"Transfer of chat {self.chat_id} to operator {self.to_operator_id} ({self.outcome})"


class ChatParticipant(models.Model):
    """An operator who took part in a chat (claimed it or was handed it). One row per operator
    and chat, kept when the chat moves on, so a requeue or transfer never loses anyone's credit."""

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="participants")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_participations"
    )
    joined_at = models.DateTimeField()
    first_message_at = models.DateTimeField(
        null=True, blank=True, help_text="When this operator first wrote to the patron."
    )

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["chat", "operator"], name="chat_participant_once")
        ]
        indexes = [models.Index(fields=["operator", "joined_at"])]

    def __str__(self) -> str:
        return f"Operator {self.operator_id} in chat {self.chat_id}"


class PatronMessage(models.Model):
    class Sender(models.TextChoices):
        PATRON = "patron", _("Patron")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="messages")
    number = models.PositiveIntegerField(help_text="Grows by one within the chat, from 1.")
    sender = models.CharField(max_length=8, choices=Sender.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(help_text="Sanitised HTML.")
    client_msg_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A line from LibChat itself: what happened and the names in it (chats.lines), written out
    # in each reader's language; the body holds it in English.
    line = models.CharField(max_length=32, blank=True)
    line_args = models.JSONField(default=dict, blank=True)

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
        help_text="Who answered it: sent the first answer from LibChat, or marked it answered.",
    )
    chat = models.ForeignKey(
        PatronChat,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        help_text="The chat this ticket follows up (an operator's Follow up); its transcript "
        "goes with the answer.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The operator who is to answer it.",
    )
    assigned_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The department that is to answer it.",
    )
    anonymised_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the retention setting removed the patron's details and the thread.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(Upper("email"), name="offline_ticket_email_upper"),
            models.Index(fields=["created_at"], name="offline_ticket_created"),  # reports
        ]
        constraints = [
            models.CheckConstraint(
                condition=(~Q(email="") & ~Q(question="")) | Q(anonymised_at__isnull=False),
                name="offline_ticket_email_and_question",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=False) | Q(answered_by__isnull=True),
                name="offline_ticket_answered_by_only_when_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"Ticket {self.pk} from {self.email or 'a patron'}"

    @property
    def anonymised_notice(self) -> str:
        if self.anonymised_at is None:
            return ""
        return gettext(
            "Anonymised on %(day)s: the patron's details and the thread were removed by the "
            "library's retention setting."
        ) % {"day": date_format(timezone.localdate(self.anonymised_at), "SHORT_DATE_FORMAT")}


class TicketReply(models.Model):
    """A line in a ticket's thread: an answer, emailed to the patron with their question quoted,
    or a note for staff only. An answer's mail is sent by the worker; one that fails is shown as
    failed, with Retry."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("Answer")
        NOTE = "note", _("Internal note")

    class Mail(models.TextChoices):
        NONE = "", _("Not emailed")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(OfflineTicket, on_delete=models.CASCADE, related_name="replies")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(help_text="Sanitised HTML, as the editor wrote it.")
    created_at = models.DateTimeField(auto_now_add=True)
    mail = models.CharField(max_length=8, choices=Mail.choices, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    mail_error = models.CharField(
        max_length=300, blank=True, help_text="Why the mail server refused, the last time."
    )

    class Meta:
        ordering = ["ticket", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="answer") | Q(mail=""), name="ticket_reply_only_answers_mailed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on ticket {self.ticket_id}"


class PatronBlock(models.Model):
    """An operator turned a patron away: until `expires_at` (none: until lifted) the widget shows
    them its offline side and refuses their chats and tickets. The patron is known by the keyed
    hash of their address and by the id their browser keeps; either matches. Lifting is recorded
    on the block, never a delete, so the list says who blocked whom, why, and who lifted it.
    A block holds at the widgets of the library system whose chat it was made from: on a server
    shared by several libraries, one library's block does not turn the patron away from the
    others' (and an address may be a whole campus's)."""

    system = SystemField(related_name="patron_blocks", verbose_name=_("library system"))
    address_hash = models.CharField("address hash", max_length=64, blank=True, editable=False)
    patron_ref = models.CharField("patron id", max_length=32, blank=True, editable=False)
    chat = models.ForeignKey(
        PatronChat,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="blocks",
        help_text="The chat the patron was blocked from.",
    )
    reason = models.TextField(help_text="Why, in the operator's words; staff only.")
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField("blocked at", auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty: until an admin lifts it."
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The gate asks by either key for blocks not lifted (a few per patron at most).
            models.Index(
                fields=["address_hash"],
                condition=Q(lifted_at__isnull=True),
                name="patron_block_address",
            ),
            models.Index(
                fields=["patron_ref"], condition=Q(lifted_at__isnull=True), name="patron_block_ref"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(address_hash="") | ~Q(patron_ref=""),
                name="patron_block_knows_the_patron",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="patron_block_has_a_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=False) | Q(lifted_by__isnull=True),
                name="patron_block_lifted_by_only_when_lifted",
            ),
        ]

    def __str__(self) -> str:
        return f"Block {self.pk} (chat {self.chat_id})"


class TranscriptEmail(models.Model):
    """A chat's transcript sent by email: asked by the patron in the chat (`sent_by` empty) or
    sent by an operator from the transcript page; to whom, when, and whether the mail went."""

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    chat = models.ForeignKey(PatronChat, on_delete=models.CASCADE, related_name="transcript_emails")
    to = models.EmailField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The operator who sent it; empty when the patron asked for it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.SENDING)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(
        max_length=300, blank=True, help_text="Why the mail server refused, the last time."
    )

    class Meta:
        ordering = ["chat", "created_at", "pk"]

    def __str__(self) -> str:
        return f"Transcript of chat {self.chat_id} to {self.to}"


class RetentionRun(models.Model):
    """One run of the daily retention job: the cut-offs it applied and what it deleted and
    anonymised. Written while the job runs (after each batch), so a run stopped halfway still
    says what it did; `complete` is false when it stopped at its time budget with work left."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    delete_before = models.DateTimeField(
        null=True, blank=True, help_text="Chats ended and tickets left before this were deleted."
    )
    anonymise_before = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Chats ended and tickets left before this were anonymised.",
    )
    chats_deleted = models.PositiveIntegerField(default=0)
    chats_anonymised = models.PositiveIntegerField(default=0)
    tickets_deleted = models.PositiveIntegerField(default=0)
    tickets_anonymised = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(
        default=False, help_text="Everything due was done; if not, the next run goes on."
    )

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = "retention run"

    def __str__(self) -> str:
        return f"Retention at {self.started_at:%Y-%m-%d %H:%M}"
