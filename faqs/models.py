"""FAQ groups and their FAQs; only public groups are offered to the FAQs button."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from systems.models import SystemField


class FaqGroup(models.Model):
    name = models.CharField(max_length=120)
    public = models.BooleanField(default=True)
    system = SystemField(related_name="faq_groups", verbose_name=_("library system"))

    class Meta:
        ordering = ["name"]
        verbose_name = "FAQ group"
        constraints = [
            models.UniqueConstraint(fields=["system", "name"], name="one_faq_group_name_per_system")
        ]

    def __str__(self) -> str:
        return self.name


class Faq(models.Model):
    group = models.ForeignKey(FaqGroup, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer = models.TextField()
    link = models.URLField(blank=True)

    class Meta:
        ordering = ["question"]
        verbose_name = "FAQ"
        constraints = [
            models.UniqueConstraint(fields=["group", "question"], name="one_faq_per_question")
        ]

    def __str__(self) -> str:
        return self.question
