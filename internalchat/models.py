"""Internal staff chat: rooms, their messages and attachments, read watermarks, scrub runs."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from libchat.core.models import StoredFile

# A room's group carries only `live_send` frames, to every open dashboard of its members.
ROOM_GROUP_PREFIX = "internalchat.room."


class Room(models.Model):
    """A conversation between operators: one per department, one per pair, one for all staff."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        DIRECT = "direct", _("Operator to operator")
        ALL_STAFF = "all_staff", _("All Staff")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    department = models.OneToOneField(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="internal_room",
    )
    # A direct room's two operators, the lower id first, so a pair has exactly one room.
    operator_low = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    operator_high = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The All Staff room's system: each system has its own. Empty for the other kinds.
    system = models.ForeignKey(
        "systems.System", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="room_kind_shape",
                condition=(
                    Q(
                        kind="department",
                        department__isnull=False,
                        system__isnull=True,
                        operator_low__isnull=True,
                        operator_high__isnull=True,
                    )
                    | Q(
                        kind="direct",
                        department__isnull=True,
                        system__isnull=True,
                        operator_low__isnull=False,
                        operator_high__isnull=False,
                        operator_low__lt=F("operator_high"),
                    )
                    | Q(
                        kind="all_staff",
                        department__isnull=True,
                        system__isnull=False,
                        operator_low__isnull=True,
                        operator_high__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["operator_low", "operator_high"], name="one_direct_room_per_pair"
            ),
            models.UniqueConstraint(
                fields=["system"],
                condition=Q(kind="all_staff"),
                name="one_all_staff_room_per_system",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.DEPARTMENT:
            return f"Department room #{self.pk} ({self.department_id})"
        if self.kind == self.Kind.DIRECT:
            return f"Direct room #{self.pk} ({self.operator_low_id}, {self.operator_high_id})"
        return "All Staff"

    @property
    def group(self) -> str:
        return f"{ROOM_GROUP_PREFIX}{self.pk}"


class Message(models.Model):
    """One message. Ids come from one sequence and grow within a room in commit order, because
    sends to a room are serialised (see services.message_send); history pages by id."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="internal_messages"
    )
    body = models.TextField(blank=True, help_text="Sanitised HTML.")
    # What search reads: the body without markup, a mention as "@name" (search.py). The
    # full-text index over it is not a model field: see migration 0003 (PostgreSQL: a generated
    # tsvector column with a GIN index; SQLite: an FTS5 table kept in step by triggers).
    body_text = models.TextField(blank=True, default="", editable=False)
    client_msg_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # A line from LibChat itself: what happened and the names in it (internalchat.lines),
    # written out in each reader's language; the body holds it in English.
    line = models.CharField(max_length=32, blank=True)
    line_args = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "client_msg_id"], name="one_message_per_client_msg_id"
            ),
            models.CheckConstraint(
                condition=~Q(client_msg_id=""), name="message_client_msg_id_present"
            ),
        ]
        indexes = [models.Index(fields=["room", "id"], name="message_room_id")]

    def __str__(self) -> str:
        return f"Message #{self.pk} in room #{self.room_id}"


class Attachment(StoredFile):
    """A file sent with a message; stored under a random name, served to room members only."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="internalchat/", max_length=200)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(size__gt=0), name="attachment_not_empty")]


class ReadMarker(models.Model):
    """How far an operator has read a room: everything up to `last_read_id` is read."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="read_markers")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_markers"
    )
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["operator", "room"], name="one_read_marker"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} read room #{self.room_id} up to #{self.last_read_id}"


class ScrubRun(models.Model):
    """One run of the scrub job: what it removed and up to when."""

    ran_at = models.DateTimeField(auto_now_add=True)
    cutoff = models.DateTimeField(
        null=True, blank=True, help_text="Messages older than this were removed; empty = kept all."
    )
    messages_removed = models.PositiveIntegerField(default=0)
    files_removed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = "scrub run"

    def __str__(self) -> str:
        return f"Scrub at {self.ran_at:%Y-%m-%d %H:%M}"


class Mention(models.Model):
    """An operator named in a message (`@name`, or `@department` for each of its members): the
    reference the message shows (with the operator's name of the moment) and the operator's
    Mentions list and notification. The sender's own mention is stored read."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="mentions")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="internal_mentions"
    )
    via_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set when the operator was mentioned as a member of this department.",
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "operator"], name="one_mention_per_operator")
        ]
        indexes = [models.Index(fields=["operator", "read_at", "id"], name="mention_operator")]

    def __str__(self) -> str:
        return f"Mention of {self.operator_id} in message #{self.message_id}"
