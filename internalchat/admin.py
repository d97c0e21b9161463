from django.contrib import admin

from internalchat.models import ScrubRun


@admin.register(ScrubRun)
class ScrubRunAdmin(admin.ModelAdmin):
    list_display = ["ran_at", "cutoff", "messages_removed", "files_removed"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
