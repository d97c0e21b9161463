"""LibChat Set-up > Settings: one page. Changing a number of days after which something is
deleted or anonymised (the internal chat scrub, the patron chat retention) shows first what the
next run would remove, and saves only once the admin confirms."""

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from chats.models import RetentionRun
from chats.services import retention_preview
from internalchat.services import scrub_preview
from libchat.core.models import SiteSettings

CONFIRM_FIELD = "_settings_confirmed"
SCRUB_FIELDS = ["scrub_internal_days"]
RETENTION_FIELDS = ["delete_patron_chats_days", "anonymise_patron_chats_days"]


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["library_name"]}),
        ("Internal chat", {"fields": SCRUB_FIELDS}),
        (
            "Patron chats and offline tickets: retention",
            {
                "fields": [*RETENTION_FIELDS, "last_retention_run"],
                "description": "Off by default (0 keeps everything). Anonymising removes the "
                "patron's name, email, question, page, browser and comment and the words of "
                "the conversation; the times, widget, department, operators, rating and tags "
                "stay, so Reports and the CSV export still count the chat.",
            },
        ),
    ]
    readonly_fields = ["last_retention_run"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Last retention run")
    def last_retention_run(self, settings: SiteSettings) -> str:
        run = RetentionRun.objects.first()
        if run is None:
            return "None yet: the job runs daily."
        return format_html(
            "{}: {} chat{} deleted, {} anonymised; {} ticket{} deleted, {} anonymised; {} file{} "
            'deleted{}. <a href="{}">Every run</a>',
            f"{run.started_at:%Y-%m-%d %H:%M}",
            run.chats_deleted,
            "" if run.chats_deleted == 1 else "s",
            run.chats_anonymised,
            run.tickets_deleted,
            "" if run.tickets_deleted == 1 else "s",
            run.tickets_anonymised,
            run.files_deleted,
            "" if run.files_deleted == 1 else "s",
            "" if run.complete else " (stopped at its time budget; the next run goes on)",
            reverse("admin:chats_retentionrun_changelist"),
        )

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:libchat_sitesettings_change", SiteSettings.load().pk)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and CONFIRM_FIELD not in request.POST:
            current = SiteSettings.load()
            form = self.get_form(request, current)(request.POST, instance=SiteSettings.load())
            if form.is_valid():
                changed = {
                    name
                    for name in [*SCRUB_FIELDS, *RETENTION_FIELDS]
                    if form.cleaned_data[name] != getattr(current, name)
                }
                if changed:
                    return self._confirm(request, form.cleaned_data, changed)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _confirm(self, request, values: dict, changed: set[str]) -> TemplateResponse:
        """The page that says what the new numbers would remove at the next run."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Confirm the new settings",
            "posted": [
                (k, v)
                for k in request.POST
                for v in request.POST.getlist(k)
                if k != "csrfmiddlewaretoken"
            ],
            "confirm_field": CONFIRM_FIELD,
        }
        if changed & set(SCRUB_FIELDS):
            days = values["scrub_internal_days"]
            messages, files = scrub_preview(days=days)
            context["scrub"] = {"days": days, "messages_count": messages, "files_count": files}
        if changed & set(RETENTION_FIELDS):
            delete_days = values["delete_patron_chats_days"]
            anonymise_days = values["anonymise_patron_chats_days"]
            context["retention"] = {
                "delete_days": delete_days,
                "anonymise_days": anonymise_days,
                "preview": retention_preview(
                    delete_days=delete_days, anonymise_days=anonymise_days
                ),
            }
        return TemplateResponse(
            request, "admin/libchat/sitesettings/confirm_settings.html", context
        )
