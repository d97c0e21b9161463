from django.contrib import admin

from departments.models import Department, Membership, SignOffTime
from systems.admin import SystemScopedAdmin, SystemScopedInline


class MembershipInline(SystemScopedInline, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["operator"]
    fields = ["operator", "monitoring", "joined_at"]
    readonly_fields = ["joined_at"]


class SignOffTimeInline(SystemScopedInline, admin.StackedInline):
    # Stacked, as the widget's opening hours are: a table's empty first header fails the
    # accessibility rules. A time given twice is refused by the unique constraint's check.
    model = SignOffTime
    extra = 0
    fields = ["weekday", "time"]


@admin.register(Department)
class DepartmentAdmin(SystemScopedAdmin):
    list_display = ["name", "slug", "active", "member_count"]
    list_filter = ["active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline, SignOffTimeInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description="members", ordering="_member_count")
    def member_count(self, obj: Department) -> int:
        return obj._member_count
