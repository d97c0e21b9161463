from django.contrib import admin
from django.db import models

from faqs.models import Faq, FaqGroup
from systems.admin import SystemScopedAdmin, SystemScopedInline

# A link typed without its scheme is read as https (Django 6's default, already).
LINKS_HTTPS = {models.URLField: {"assume_scheme": "https"}}


class FaqInline(SystemScopedInline, admin.StackedInline):
    model = Faq
    extra = 1
    formfield_overrides = LINKS_HTTPS


@admin.register(FaqGroup)
class FaqGroupAdmin(SystemScopedAdmin):
    list_display = ["name", "public"]
    list_filter = ["public"]
    inlines = [FaqInline]


@admin.register(Faq)
class FaqAdmin(SystemScopedAdmin):
    system_lookup = "group__system"
    formfield_overrides = LINKS_HTTPS

    list_display = ["question", "group", "link"]
    list_filter = ["group"]
    search_fields = ["question", "answer"]
