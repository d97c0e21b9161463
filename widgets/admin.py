from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.urls import reverse

from libchat.core.admin import RecordAdmin
from systems.admin import SystemScopedAdmin, SystemScopedInline, scoped_system_id
from widgets import selectors, services
from widgets.models import (
    Widget,
    WidgetClosedDate,
    WidgetFallback,
    WidgetOnlineInterval,
    WidgetOpeningSpan,
    WidgetText,
    fallbacks_validate,
    opening_spans_validate,
)


class FallbackFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        # A co-op is tried after every operator and department, and the database keeps each
        # co-op once: only those are checked for repeats.
        kept = [
            form
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE", False)
            and not form.cleaned_data.get("coop")
        ]
        kept.sort(key=lambda form: form.cleaned_data["position"])
        choices = [
            (
                getattr(form.cleaned_data.get("operator"), "pk", None),
                getattr(form.cleaned_data.get("department"), "pk", None),
            )
            for form in kept
        ]
        fallbacks_validate(first_choice=self.instance.first_choice, choices=choices)


class FallbackInline(SystemScopedInline, admin.StackedInline):
    # Stacked: each field has its own label (a table's column headers label no field).
    model = WidgetFallback
    formset = FallbackFormSet
    extra = 1
    fields = ["position", "operator", "department", "coop"]
    ordering = ["position"]
    verbose_name = "fallback"
    verbose_name_plural = "Who monitors the widget: fallbacks, tried in order"


class OpeningSpanFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        opening_spans_validate(
            [
                (
                    form.cleaned_data["weekday"],
                    form.cleaned_data["opens_at"],
                    form.cleaned_data["closes_at"],
                )
                for form in self.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE", False)
            ]
        )


class OpeningSpanInline(SystemScopedInline, admin.StackedInline):
    # Stacked, as the fallbacks are: a table's empty first header fails the accessibility rules.
    model = WidgetOpeningSpan
    formset = OpeningSpanFormSet
    extra = 0
    fields = ["weekday", "opens_at", "closes_at"]


class ClosedDateInline(SystemScopedInline, admin.StackedInline):
    model = WidgetClosedDate
    extra = 0
    fields = ["date", "reason"]


class TextInline(SystemScopedInline, admin.StackedInline):
    model = WidgetText
    extra = 0
    fields = ["language", *WidgetText.FIELDS]
    verbose_name = "text in another language"
    verbose_name_plural = "Texts in other languages"


@admin.register(Widget)
class WidgetAdmin(SystemScopedAdmin):
    list_display = ["name", "kind", "first_choice_display", "active", "status_display"]
    list_filter = ["active", "kind"]
    search_fields = ["name", "title"]
    inlines = [FallbackInline, OpeningSpanInline, ClosedDateInline, TextInline]
    actions = ["hash_regenerate"]
    readonly_fields = ["hash"]
    fieldsets = [
        (None, {"fields": ["name", "kind", "active"]}),
        (
            "Who monitors the widget: first choice (an operator or a department)",
            {"fields": ["first_department", "first_operator"]},
        ),
        (
            "Texts and colours",
            {
                "fields": [
                    "title",
                    "online_greeting",
                    "offline_message",
                    "language",
                    "colour",
                    "text_colour",
                ]
            },
        ),
        ("Where it may be embedded", {"fields": ["allowed_origins", "send_page_url"]}),
        ("Pre-chat questions", {"fields": ["ask_name", "ask_email", "ask_question"]}),
        ("When nobody is online", {"fields": ["offline_behaviour"]}),
        (
            "Invitation",
            {
                "fields": ["invite_after_seconds", "invite_message"],
                "description": "A floating or slide-out widget may open itself on the library's "
                "page with an invitation. It never takes the cursor from what the patron is "
                "doing.",
            },
        ),
        (
            "Opening hours and Away",
            {
                "fields": ["time_zone", "away_message", "away_behaviour"],
                "description": "Outside its opening hours (below; none: always open) and on its "
                "closed dates the widget is offline whoever is signed in, and says when it opens "
                "next. When everyone who monitors it is Away, it shows the away message.",
            },
        ),
        (
            "Moving from LibChat",
            {
                "fields": ["hash", "libchat_id", "libchat_hash"],
                "description": "To keep the library's pages written for Springshare's LibChat "
                "working after changing only the host name, enter the id and hash of the LibChat "
                "widget this one replaces. The hash of our own is changed with the action "
                "<em>Regenerate hash</em> in the list of widgets.",
            },
        ),
    ]

    def get_changeform_initial_data(self, request):
        # A new widget of a system admin starts in their system's time zone and colour.
        initial = super().get_changeform_initial_data(request)
        if scoped_system_id(request) is not None:
            system = request.user.system
            initial.setdefault("time_zone", system.time_zone)
            if system.widget_colour:
                initial.setdefault("colour", system.widget_colour)
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in {"colour", "text_colour"}:
            kwargs["widget"] = forms.TextInput(attrs={"type": "color"})
        if db_field.name in {
            "allowed_origins",
            "online_greeting",
            "offline_message",
            "away_message",
            "invite_message",
        }:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 60})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="first choice")
    def first_choice_display(self, obj: Widget) -> str:
        return str(obj.first_operator or obj.first_department)

    @admin.display(description="status")
    def status_display(self, obj: Widget) -> str:
        state = selectors.widget_state_get(widget_id=obj.pk)
        return "Online" if state and state.online else "Offline"

    @admin.action(description="Regenerate hash (pages using the old one stop loading it)")
    def hash_regenerate(self, request, queryset):
        for widget in queryset:
            services.widget_hash_regenerate(widget=widget)
        self.message_user(
            request,
            f"New hash for {queryset.count()} widget(s): update the snippets that use the old one.",
            messages.SUCCESS,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("first_operator", "first_department")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        widget = self.get_object(request, object_id)
        if widget is not None:
            extra_context = {**(extra_context or {}), **self._status_context(request, widget)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _status_context(self, request, widget: Widget) -> dict:
        base_url = request.build_absolute_uri("/").rstrip("/")
        status = selectors.widget_statuses(widget_ids=[widget.pk])[widget.pk]
        if status.serving is None:
            serving = None
        elif status.serving == 0:
            serving = f"first choice: {widget.first_operator or widget.first_department}"
        else:
            # The operator and department fallbacks in order, then the co-ops (tried last).
            fallbacks = sorted(widget.fallbacks.all(), key=lambda f: (bool(f.coop_id), f.position))
            if fallbacks[status.serving - 1].coop_id:
                coops = ", ".join(str(f.coop) for f in fallbacks if f.coop_id)
                serving = f"co-op queue: {coops}"
            else:
                fallback = fallbacks[status.serving - 1]
                serving = f"fallback {status.serving}: {fallback.operator or fallback.department}"
        opens_at = status.opens_at and status.opens_at.astimezone(ZoneInfo(widget.time_zone))
        return {
            "widget_online": status.online,
            "widget_serving": serving,
            "widget_closed": status.closed,
            "widget_away": status.away,
            "widget_opens_at": opens_at and f"{opens_at:%A %Y-%m-%d %H:%M} ({widget.time_zone})",
            "embed_snippet": selectors.widget_embed_snippet(widget=widget, base_url=base_url),
            "libchat_snippet": selectors.widget_libchat_snippet(widget=widget, base_url=base_url),
            "libchat_status_url": base_url
            + reverse("widgets:status_libchat", args=[widget.status_id]),
        }


@admin.register(WidgetOnlineInterval)
class WidgetOnlineIntervalAdmin(RecordAdmin, SystemScopedAdmin):
    """The record of hours online, read-only: the status refresh writes it when a widget flips."""

    system_lookup = "widget__system"

    list_display = ["widget", "started_at", "ended_at"]
    list_filter = ["widget", "started_at"]
    date_hierarchy = "started_at"
    list_select_related = ["widget"]
