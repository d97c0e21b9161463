from django.contrib import admin

from faqs.models import Faq, FaqGroup


class FaqInline(admin.StackedInline):
    model = Faq
    extra = 1


@admin.register(FaqGroup)
class FaqGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "public"]
    list_filter = ["public"]
    inlines = [FaqInline]


@admin.register(Faq)
class FaqAdmin(admin.ModelAdmin):
    list_display = ["question", "group", "link"]
    list_filter = ["group"]
    search_fields = ["question", "answer"]
