"""Library systems and co-ops in the admin, and `SystemScopedAdmin`: the one place that keeps a
system admin inside their own system on every admin page of a system-owned model.

A superuser sees every system's objects (and, once there are several systems, a System column
and filter). Anyone else with staff status sees and manages only their own system's objects: the
lists, the forms' choices, the inlines' choices and the actions are scoped, a new object joins
their system, and another system's object answers 404 as if it did not exist. A system admin
(`Operator.is_system_admin`) needs no model permissions for those pages; other staff keep the
permissions they were given.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from systems.models import Coop, CoopMembership, System
from systems.selectors import default_system, several_systems


def scoped_system_id(request) -> int | None:
    """The system the request's user is kept to, or None for a superuser (everything)."""
    user = request.user
    if user.is_superuser:
        return None
    return user.system_id


def _system_lookup(model) -> str | None:
    """How a related model's rows name their system: "pk" for System itself, "members" for a
    co-op (those the system belongs to), "system" for a model that has one; None for a model no
    system owns."""
    if model is System:
        return "pk"
    if model is Coop:
        return "members"
    try:
        model._meta.get_field("system")
    except FieldDoesNotExist:
        return None
    return "system"


def _choices_scoped(db_field, request, kwargs: dict) -> dict:
    """Limit a foreign key's or many-to-many's choices to the user's system."""
    system_id = scoped_system_id(request)
    lookup = _system_lookup(db_field.related_model)
    if system_id is not None and lookup is not None and "queryset" not in kwargs:
        kwargs["queryset"] = db_field.related_model._default_manager.filter(**{lookup: system_id})
    return kwargs


class SystemAdminPermissions:
    """A system admin may view, add, change and delete on these pages without model
    permissions (what they reach is scoped to their system); others keep their permissions."""

    system_admin_manages = True  # False: the model permissions decide, for everyone

    def _system_admin(self, request) -> bool:
        user = request.user
        return (
            self.system_admin_manages
            and user.is_active
            and user.is_staff
            and getattr(user, "is_system_admin", False)
        )

    def has_module_permission(self, request):
        return self._system_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._system_admin(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self._system_admin(request) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self._system_admin(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._system_admin(request) or super().has_delete_permission(request, obj)


class SystemScopedChoices:
    """Foreign key and many-to-many choices of the user's system."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return super().formfield_for_foreignkey(
            db_field, request, **_choices_scoped(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return super().formfield_for_manytomany(
            db_field, request, **_choices_scoped(db_field, request, kwargs)
        )


class SystemScopedInline(SystemAdminPermissions, SystemScopedChoices):
    """An inline of a system-scoped admin page: its rows are the scoped object's; its choices
    are the user's system's."""


class SystemOwnedForm(forms.ModelForm):
    """The form of a system-owned object whose system field is not on the page (a system
    admin's, or anyone's on a single-system server): the object's system is known before it is
    validated, so a constraint on (system, name) is a message on the form, not an error when
    saving. Django checks a constraint only when each of its fields is on the form."""

    scoped_system_id: int | None = None  # set per request by SystemScopedAdmin.get_form

    def _post_clean(self):
        if self.scoped_system_id is not None:
            self.instance.system_id = self.scoped_system_id
        elif self.instance.system_id is None and "system" not in self.fields:
            self.instance.system_id = default_system().pk  # where the save would put it
        super()._post_clean()
        if "system" in self.fields:
            return
        on_form = set(self.fields) | {"system"}
        not_on_form = {field.name for field in self.instance._meta.fields} - on_form
        for constraint in self.instance._meta.constraints:
            if "system" in getattr(constraint, "fields", ()):
                try:
                    constraint.validate(type(self.instance), self.instance, exclude=not_on_form)
                except ValidationError as error:
                    self.add_error(None, error)


class SystemScopedAdmin(SystemAdminPermissions, SystemScopedChoices, admin.ModelAdmin):
    """A ModelAdmin of a system-owned model. `system_lookup` says how its rows reach their
    system ("system", or e.g. "widget__system" for a chat); `system_owned` is whether the model
    has its own `system` field, filled with the admin's system on a new object."""

    system_lookup = "system"
    # More fields that matter only with several systems, hidden with the system field.
    system_only_fields: list[str] = []

    @property
    def system_owned(self) -> bool:
        return self.system_lookup == "system"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        system_id = scoped_system_id(request)
        if system_id is not None:
            queryset = queryset.filter(**{self.system_lookup: system_id})
        return queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and scoped_system_id(request) is not None:
            # Another system's object is not there for this admin: not a redirect that tells
            # it exists.
            raise Http404
        return obj

    def get_form(self, request, obj=None, *args, **kwargs):
        # ModelAdmin's get_form takes `change`, UserAdmin's does not: pass on what was given.
        form = super().get_form(request, obj, *args, **kwargs)
        if not self.system_owned:
            return form
        # The admin's own ModelForm (or a custom one) with the system known before validation.
        bases = (form,) if issubclass(form, SystemOwnedForm) else (SystemOwnedForm, form)
        return type(form.__name__, bases, {"scoped_system_id": scoped_system_id(request)})

    def save_model(self, request, obj, form, change):
        system_id = scoped_system_id(request)
        if self.system_owned and system_id is not None:
            obj.system_id = system_id
        super().save_model(request, obj, form, change)

    def _shows_systems(self, request) -> bool:
        return scoped_system_id(request) is None and several_systems()

    def _hidden_fields(self, request) -> list[str]:
        """The fields about systems, shown to a superuser once there are several systems."""
        if not self.system_owned or self._shows_systems(request):
            return []
        return ["system", *self.system_only_fields]

    def get_exclude(self, request, obj=None):
        return [*(super().get_exclude(request, obj) or []), *self._hidden_fields(request)]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if not self.system_owned:
            return fieldsets
        named = any("system" in (options.get("fields") or ()) for _, options in fieldsets)
        if self._shows_systems(request) and not named:
            return [(None, {"fields": ["system"]}), *fieldsets]
        hidden = self._hidden_fields(request)
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for title, options in fieldsets
        ]

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if self._shows_systems(request):
            columns.append(self.system_lookup)
        return columns

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if self._shows_systems(request):
            return [self.system_lookup, *filters]
        if scoped_system_id(request) is None:
            return filters
        # A related filter lists every row of the related model: offer only those in the
        # admin's own lists, so no other system's names show.
        scoped = []
        for item in filters:
            if isinstance(item, str) and self._is_relation(item):
                item = (item, admin.RelatedOnlyFieldListFilter)
            scoped.append(item)
        return scoped

    def _is_relation(self, name: str) -> bool:
        try:
            field = self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return field.is_relation and _system_lookup(field.related_model) is not None


class CoopMembershipInline(SystemScopedInline, admin.StackedInline):
    model = CoopMembership
    extra = 0
    fields = ["coop", "system", "hours", "services", "links", "follow_ups"]

    def get_readonly_fields(self, request, obj=None):
        # A system admin writes their system's notes; joining or leaving a co-op is a
        # superuser's.
        return [] if request.user.is_superuser else ["coop", "system"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class SystemMembershipInline(CoopMembershipInline):
    fk_name = "system"
    verbose_name = _("co-op membership and policy notes")
    verbose_name_plural = _("co-op memberships and policy notes")


@admin.register(System)
class SystemAdmin(SystemScopedAdmin):
    """A system's own settings; a system admin changes their own system's only."""

    system_lookup = "pk"
    list_display = ["name", "slug", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "time_zone", "logo", "widget_colour"]
    inlines = [SystemMembershipInline]

    def get_list_display(self, request):
        return self.list_display

    def get_list_filter(self, request):
        return []

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Coop)
class CoopAdmin(admin.ModelAdmin):
    """Co-ops are the server's: a superuser forms them."""

    list_display = ["name", "slug", "member_names"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CoopMembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("members")

    @admin.display(description=_("members"))
    def member_names(self, coop: Coop) -> str:
        return ", ".join(system.name for system in coop.members.all())

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
