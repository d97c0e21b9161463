"""Shared canned replies, for a department or for everyone; operators keep their personal ones
on the Settings tab, so the admin lists only shared ones. Saving goes through the services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect

from canned import services
from canned.markup import body_as_text_area, body_from_text_area
from canned.models import CannedReply
from systems.admin import SystemOwnedForm, SystemScopedAdmin, scoped_system_id


class SharedReplyForm(SystemOwnedForm):
    """Served by SharedReplyAdmin, which sets `scoped_system_id` for a system admin: the system
    a new reply shared with everyone joins."""

    class Meta:
        model = CannedReply
        fields = ["title", "shortcut", "department", "body"]
        help_texts = {
            "body": "Line breaks are kept; <b>, <i>, <u> and links may be used. {patron_name}, "
            "{operator_name}, {widget_title} and {library_name} are filled in when an operator "
            "inserts it.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["body"] = body_as_text_area(self.instance.body)

    def clean(self):
        data = super().clean()
        data["body"] = body_from_text_area(data.get("body", ""))
        probe = CannedReply(pk=self.instance.pk, department=data.get("department"))
        probe.system_id = self._system_id(data)
        try:
            services.canned_reply_check(
                reply=probe,
                title=data.get("title", ""),
                shortcut=data.get("shortcut", ""),
                body=data["body"],
            )
        except services.CannedReplyRefused as refusal:
            raise ValidationError(refusal.message, code=refusal.code) from refusal
        return data

    def _system_id(self, data: dict) -> int | None:
        """The system whose shortcuts the reply's must differ from."""
        if data.get("department"):
            return data["department"].system_id
        if data.get("system"):
            return data["system"].pk
        return self.scoped_system_id or self.instance.system_id


@admin.register(CannedReply)
class SharedReplyAdmin(SystemScopedAdmin):
    form = SharedReplyForm
    list_display = ["title", "shortcut", "shared_with", "updated_at"]
    list_filter = ["department"]
    search_fields = ["title", "shortcut", "body"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(owner__isnull=True).select_related("department")

    @admin.display(description="Shared with", ordering="department__name")
    def shared_with(self, reply: CannedReply) -> str:
        return reply.scope_label

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The form checked the shortcut; a save racing it past that check meets the database's
        # constraint, and the service's refusal is shown here (nothing was saved) rather than
        # an error page.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except services.CannedReplyRefused as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        fields = {k: form.cleaned_data[k] for k in ("title", "shortcut", "body", "department")}
        if change:
            services.canned_reply_update(reply=obj, **fields)
        else:
            system = request.user.system if scoped_system_id(request) else None
            system = form.cleaned_data.get("system") or system
            obj.pk = services.canned_reply_create(system=system, **fields).pk
