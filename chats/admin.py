from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from chats import selectors, services
from chats.models import (
    ChatEvent,
    ChatParticipant,
    ChatTag,
    OfflineTicket,
    PatronAttachment,
    PatronBlock,
    PatronChat,
    PatronMessage,
    RetentionRun,
    TicketReply,
    TranscriptEmail,
    TransferOffer,
)
from libchat.core.admin import RecordAdmin
from libchat.core.durations import duration_text
from systems.admin import SystemScopedAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ChatEventInline(ReadOnlyInline):
    """The chat's record of holders: claims, transfers with their notes, requeues, the end."""

    model = ChatEvent
    verbose_name = "history entry"
    verbose_name_plural = "History: who held the chat"
    fields = ["at", "kind", "operator", "to_operator", "to_department", "reason", "note"]
    readonly_fields = fields

    def get_queryset(self, request):
        related = ("operator", "to_operator", "to_department")
        return super().get_queryset(request).select_related(*related).order_by("at", "pk")


class ChatParticipantInline(ReadOnlyInline):
    model = ChatParticipant
    verbose_name = "operator who took part"
    verbose_name_plural = "Operators who took part"
    fields = ["operator", "joined_at", "first_message_at"]
    readonly_fields = fields


class TranscriptEmailInline(ReadOnlyInline):
    """Each time the transcript was emailed: to whom, by whom (none: the patron), how it went."""

    model = TranscriptEmail
    verbose_name_plural = "Transcript emails"
    fields = ["created_at", "to", "sent_by", "status", "sent_at", "error"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("sent_by")


class TransferOfferInline(ReadOnlyInline):
    """Transfers offered to an operator, with their answer (accepted, declined, ran out)."""

    model = TransferOffer
    verbose_name_plural = "Transfer offers"
    fields = ["created_at", "from_operator", "to_operator", "note", "outcome", "answered_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_operator", "to_operator")


class PatronMessageInline(admin.TabularInline):
    model = PatronMessage
    fields = ["number", "sender", "operator", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatronChat)
class PatronChatAdmin(SystemScopedAdmin):
    """Every chat (of the admin's system: its widget's), read-only: chats change only through
    the chat itself."""

    system_lookup = "widget__system"
    system_admin_manages = False

    list_display = ["pk", "widget", "state", "name", "email", "claimed_by", "created_at", "rating"]
    list_filter = ["state", "widget", "department", "tags"]
    search_fields = ["name", "email", "question", "messages__body"]
    readonly_fields = [
        *(f.name for f in PatronChat._meta.fields),
        "wait",
        "first_response",
        "handling_time",
        "tag_names",
        "files",
    ]
    inlines = [
        ChatEventInline,
        ChatParticipantInline,
        TransferOfferInline,
        TranscriptEmailInline,
        PatronMessageInline,
    ]

    @admin.display(description="Wait (asked → first claim)")
    def wait(self, chat: PatronChat) -> str:
        return duration_text(chat.wait) or "—"

    @admin.display(description="First response (asked → first operator message)")
    def first_response(self, chat: PatronChat) -> str:
        return duration_text(chat.first_response) or "—"

    @admin.display(description="Handling time (first claim → end)")
    def handling_time(self, chat: PatronChat) -> str:
        return duration_text(chat.handling_time) or "—"

    @admin.display(description="Tags")
    def tag_names(self, chat: PatronChat) -> str:
        return ", ".join(tag.name for tag in chat.tags.order_by("position", "name")) or "—"

    @admin.display(description="Files")
    def files(self, chat: PatronChat) -> str:
        """The files sent in the chat, each a link (the same one the patron got)."""
        attachments = PatronAttachment.objects.filter(message__chat=chat).select_related("message")
        rows = format_html_join(
            "",
            '<li>#{} <a href="{}">{}</a> ({}, {} bytes)</li>',
            (
                (
                    a.message.number,
                    selectors.attachment_as_dict(a)["url"],
                    a.original_name,
                    a.content_type,
                    a.size,
                )
                for a in attachments.order_by("pk")
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ChatTag)
class ChatTagAdmin(admin.ModelAdmin):
    """The list operators tag chats from. The READ scale's six levels come with LibChat, switched
    off: tick "active" to offer them. A tag no longer wanted is switched off rather than deleted,
    so the chats that carry it keep it in their record and in reports."""

    list_display = ["name", "description", "scale", "active", "position", "chat_count"]
    list_editable = ["active", "position"]
    list_filter = ["active", "scale"]
    search_fields = ["name", "description"]
    fields = ["name", "description", "active", "position", "scale"]
    readonly_fields = ["scale"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(chat_total=Count("chats"))

    @admin.display(description="Chats tagged", ordering="chat_total")
    def chat_count(self, tag: ChatTag) -> int:
        return tag.chat_total

    def has_delete_permission(self, request, obj=None) -> bool:
        """Only a tag no chat carries can go (from its own page); the others are switched off."""
        return obj is None or not obj.chats.exists()

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would take tags off chats wholesale
        return actions


class TicketReplyInline(ReadOnlyInline):
    """The ticket's thread: answers (with how their email went) and staff notes."""

    model = TicketReply
    verbose_name_plural = "Thread: answers and notes"
    fields = ["created_at", "kind", "operator", "body", "mail", "mailed_at", "mail_error"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("operator")


@admin.register(OfflineTicket)
class OfflineTicketAdmin(SystemScopedAdmin):
    system_lookup = "widget__system"
    system_admin_manages = False

    list_display = ["pk", "widget", "name", "email", "created_at", "answered_at", "answered_by"]
    list_filter = ["widget", ("answered_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "question"]
    readonly_fields = [
        "widget",
        "name",
        "email",
        "question",
        "created_at",
        "answered_at",
        "answered_by",
    ]
    inlines = [TicketReplyInline]

    def has_add_permission(self, request) -> bool:
        return False


class BlockStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("holds", "In force"), ("expired", "Expired"), ("lifted", "Lifted")]

    def queryset(self, request, queryset):
        now = timezone.now()
        running = Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        if self.value() == "holds":
            return queryset.filter(running, lifted_at__isnull=True)
        if self.value() == "expired":
            return queryset.filter(lifted_at__isnull=True, expires_at__lte=now)
        if self.value() == "lifted":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(PatronBlock)
class PatronBlockAdmin(RecordAdmin, SystemScopedAdmin):
    """Patrons operators blocked, with who, when, why and until when (of the admin's library
    system: its reasons are staff-only notes). A block is lifted with the action, which records
    who lifted it and when; nothing is deleted."""

    system_admin_manages = False

    list_display = [
        "created_at",
        "blocked_by",
        "reason",
        "expires_display",
        "state",
        "lifted_at",
        "lifted_by",
        "chat_link",
    ]
    list_filter = [BlockStateFilter]
    search_fields = ["reason", "blocked_by__username", "blocked_by__display_name"]
    list_select_related = ["blocked_by", "lifted_by"]
    actions = ["lift"]

    @admin.display(description="until", ordering="expires_at")
    def expires_display(self, block: PatronBlock):
        return block.expires_at or "Until lifted"

    @admin.display(description="state")
    def state(self, block: PatronBlock) -> str:
        if block.lifted_at:
            return "Lifted"
        if block.expires_at and block.expires_at <= timezone.now():
            return "Expired"
        return "In force"

    @admin.display(description="chat")
    def chat_link(self, block: PatronBlock) -> str:
        if block.chat_id is None:
            return "—"
        url = reverse("admin:chats_patronchat_change", args=[block.chat_id])
        return format_html('<a href="{}">Chat {}</a>', url, block.chat_id)

    @admin.action(description="Lift the selected blocks", permissions=["lift"])
    def lift(self, request, queryset):
        lifted = sum(
            services.patron_block_lift(block=block, operator=request.user) for block in queryset
        )
        self.message_user(request, f"Lifted {lifted} block{'s' if lifted != 1 else ''}.")

    def has_lift_permission(self, request) -> bool:
        return request.user.has_perm("chats.change_patronblock")


@admin.register(RetentionRun)
class RetentionRunAdmin(RecordAdmin):
    """What each daily retention run deleted and anonymised (LibChat Set-up > Settings)."""

    list_display = [
        "started_at",
        "finished_at",
        "chats_deleted",
        "chats_anonymised",
        "tickets_deleted",
        "tickets_anonymised",
        "files_deleted",
        "complete",
    ]
    readonly_fields = [f.name for f in RetentionRun._meta.fields]
