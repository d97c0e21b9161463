"""FAQ groups and their FAQs; only public groups are offered to the FAQs button."""

from django.db import models


class FaqGroup(models.Model):
    name = models.CharField(max_length=120, unique=True)
    public = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "FAQ group"

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
