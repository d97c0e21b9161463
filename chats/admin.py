from django.contrib import admin
from django.utils.html import format_html, format_html_join

from chats import selectors
from chats.models import OfflineTicket, PatronAttachment, PatronChat, PatronMessage


class PatronMessageInline(admin.TabularInline):
    model = PatronMessage
    fields = ["number", "sender", "operator", "body", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatronChat)
class PatronChatAdmin(admin.ModelAdmin):
    """Every chat, read-only: chats change only through the chat itself."""

    list_display = ["pk", "widget", "state", "name", "email", "claimed_by", "created_at", "rating"]
    list_filter = ["state", "widget", "department"]
    search_fields = ["name", "email", "question", "messages__body"]
    readonly_fields = [*(f.name for f in PatronChat._meta.fields), "files"]
    inlines = [PatronMessageInline]

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


@admin.register(OfflineTicket)
class OfflineTicketAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request) -> bool:
        return False
