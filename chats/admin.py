from django.contrib import admin

from chats.models import OfflineTicket, PatronChat, PatronMessage


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
    readonly_fields = [f.name for f in PatronChat._meta.fields]
    inlines = [PatronMessageInline]

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
