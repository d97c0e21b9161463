"""Admin pieces the apps share."""

from django.contrib import admin


class RecordAdmin(admin.ModelAdmin):
    """A record LibChat writes itself (signed-in sessions, status intervals, widget online
    intervals): the admin lists it and never adds, changes or deletes a row, which would make
    the presence or the reports lie. An admin ends a session with its action instead."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
