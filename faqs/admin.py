from django.contrib import admin

from faqs.models import Faq, FaqGroup
from systems.admin import SystemScopedAdmin, SystemScopedInline


class FaqInline(SystemScopedInline, admin.StackedInline):
    model = Faq
    extra = 1


@admin.register(FaqGroup)
class FaqGroupAdmin(SystemScopedAdmin):
    list_display = ["name", "public"]
    list_filter = ["public"]
    inlines = [FaqInline]


@admin.register(Faq)
class FaqAdmin(SystemScopedAdmin):
    system_lookup = "group__system"

    list_display = ["question", "group", "link"]
    list_filter = ["group"]
    search_fields = ["question", "answer"]
