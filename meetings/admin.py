from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from libchat.core.durations import duration_text
from meetings.models import GuestInvite, Meeting, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["display_name", "operator", "guest", "patron_chat", "joined_at", "left_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class GuestInviteInline(admin.TabularInline):
    model = GuestInvite
    extra = 0
    fields = ["email", "display_name", "invited_by", "created_at", "expires_at", "removed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "host", "chat", "started_at", "ended_at", "duration"]
    list_filter = ["kind", "started_at"]
    list_select_related = ["host", "patron_chat"]
    search_fields = ["title", "host__username", "host__display_name"]
    readonly_fields = ["kind", "title", "host", "chat", "invited", "started_at", "ended_at"]
    exclude = ["patron_chat"]
    inlines = [ParticipantInline, GuestInviteInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="duration")
    def duration(self, meeting: Meeting) -> str | None:
        return duration_text(meeting.duration) or None

    @admin.display(description="patron chat", ordering="patron_chat")
    def chat(self, meeting: Meeting):
        """A patron screenshare links to the chat it was offered in (and its transcript)."""
        if meeting.patron_chat_id is None:
            return "—"
        url = reverse("admin:chats_patronchat_change", args=[meeting.patron_chat_id])
        return format_html('<a href="{}">{}</a>', url, meeting.patron_chat)
