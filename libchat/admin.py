"""LibChat Set-up > Settings: one page; changing the scrub days asks for confirmation first."""

from django.contrib import admin
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from internalchat.services import scrub_preview
from libchat.core.models import SiteSettings

CONFIRM_FIELD = "_scrub_confirmed"


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    fields = ["library_name", "scrub_internal_days"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:libchat_sitesettings_change", SiteSettings.load().pk)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and CONFIRM_FIELD not in request.POST:
            current = SiteSettings.load()
            form = self.get_form(request, current)(request.POST, instance=SiteSettings.load())
            if form.is_valid() and form.cleaned_data["scrub_internal_days"] != (
                current.scrub_internal_days
            ):
                days = form.cleaned_data["scrub_internal_days"]
                messages, files = scrub_preview(days=days)
                return TemplateResponse(
                    request,
                    "admin/libchat/sitesettings/confirm_scrub.html",
                    {
                        **self.admin_site.each_context(request),
                        "opts": self.opts,
                        "title": "Confirm the new scrub setting",
                        "days": days,
                        "messages_count": messages,
                        "files_count": files,
                        "posted": [
                            (k, v)
                            for k in request.POST
                            for v in request.POST.getlist(k)
                            if k != "csrfmiddlewaretoken"
                        ],
                        "confirm_field": CONFIRM_FIELD,
                    },
                )
        return super().changeform_view(request, object_id, form_url, extra_context)
