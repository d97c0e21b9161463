from django.contrib import admin

from meetings.models import GuestInvite, Meeting, Participant


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    fields = ["display_name", "operator", "guest", "joined_at", "left_at"]
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
    list_display = ["title", "kind", "host", "started_at", "ended_at", "duration"]
    list_filter = ["kind", "started_at"]
    search_fields = ["title", "host__username", "host__display_name"]
    readonly_fields = ["kind", "title", "host", "invited", "started_at", "ended_at"]
    inlines = [ParticipantInline, GuestInviteInline]

    def has_add_permission(self, request):
        return False
