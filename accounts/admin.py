from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Max, OuterRef, Subquery

from accounts.models import DashboardConnection, Operator, SignedInOperator, StatusInterval
from accounts.selectors import session_reachable
from accounts.services import libchat_sign_out
from departments.models import Membership
from libchat.core.admin import RecordAdmin
from systems.admin import SystemScopedAdmin, SystemScopedInline, scoped_system_id


class MembershipInline(SystemScopedInline, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["department", "monitoring"]
    verbose_name = "department membership"


@admin.register(Operator)
class OperatorAdmin(SystemScopedAdmin, UserAdmin):
    list_display = ["username", "display_name", "email", "is_operator", "is_staff", "is_active"]
    list_filter = ["is_operator", "is_staff", "is_superuser", "is_active", "departments"]
    search_fields = ["username", "display_name", "first_name", "last_name", "email"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "LibChat",
            {
                "fields": [
                    "system",
                    "is_system_admin",
                    "display_name",
                    "is_operator",
                    "notify_desktop",
                    "notify_sound",
                    "show_internal_tab",
                ]
            },
        ),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("LibChat", {"fields": ["display_name", "email", "is_operator"]}),
    ]
    inlines = [MembershipInline]
    system_only_fields = ["is_system_admin"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if scoped_system_id(request) is not None:
            # Who is a superuser, and what permissions the site grants, is the server's.
            readonly += ["is_superuser", "groups", "user_permissions"]
        return readonly


@admin.register(SignedInOperator)
class SignedInOperatorAdmin(RecordAdmin, SystemScopedAdmin):
    system_lookup = "operator__system"

    list_display = ["operator", "status_shown", "reachable", "started_at", "last_heartbeat"]
    list_filter = ["status"]
    search_fields = ["operator__username", "operator__display_name"]
    actions = ["end_session"]

    def get_queryset(self, request):
        last_seen = (
            DashboardConnection.objects.filter(operator=OuterRef("operator"))
            .values("operator")
            .annotate(last=Max("last_seen"))
            .values("last")
        )
        return (
            super()
            .get_queryset(request)
            .filter(ended_at__isnull=True)
            .select_related("operator")
            .annotate(_last_heartbeat=Subquery(last_seen), _reachable=session_reachable())
        )

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj):
        # Signed in is not reachable: with no dashboard answering, others see them Offline.
        label = obj.get_status_display()
        return label if obj._reachable else f"{label} (not reachable)"

    @admin.display(description="reachable", boolean=True, ordering="_reachable")
    def reachable(self, obj):
        return obj._reachable

    @admin.display(description="last heartbeat", ordering="_last_heartbeat")
    def last_heartbeat(self, obj):
        return obj._last_heartbeat

    @admin.action(description="End session (sign out and close their dashboards)")
    def end_session(self, request, queryset):
        ended = 0
        for session in queryset:
            ended += libchat_sign_out(
                operator=session.operator, reason=SignedInOperator.EndReason.ENDED_BY_ADMIN
            )
        self.message_user(request, f"Ended {ended} LibChat session(s).", messages.SUCCESS)


@admin.register(StatusInterval)
class StatusIntervalAdmin(RecordAdmin, SystemScopedAdmin):
    """The status record, read-only: it is written by sign-ins and status changes only."""

    system_lookup = "operator__system"

    list_display = ["operator", "status", "started_at", "ended_at"]
    list_filter = ["status", "started_at"]
    search_fields = ["operator__username", "operator__display_name"]
    date_hierarchy = "started_at"
    list_select_related = ["operator"]
