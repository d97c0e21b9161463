"""Canned replies: a title, an optional shortcut and a body in the editor's markup, either an
operator's own (personal) or shared by an admin with a department or with everyone."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from systems.models import SystemField


class CannedReply(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        help_text="Set for an operator's personal reply; empty for a shared one.",
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="canned_replies",
        help_text="Shared with this department's members; empty shares it with everyone.",
    )
    system = SystemField(related_name="canned_replies", verbose_name=_("library system"))
    title = models.CharField(max_length=100)
    shortcut = models.CharField(
        max_length=30,
        blank=True,
        help_text='Typed after "/" at the start of a reply to find it, e.g. "hours".',
    )
    body = models.TextField(help_text="Sanitised HTML, as the reply editor writes it.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "canned reply"
        verbose_name_plural = "canned replies"
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(department__isnull=True),
                name="canned_reply_one_scope",
            ),
            # A shortcut names one reply in its scope; the three scopes are kept apart.
            models.UniqueConstraint(
                fields=["owner", "shortcut"],
                condition=Q(owner__isnull=False) & ~Q(shortcut=""),
                name="canned_shortcut_per_operator",
            ),
            models.UniqueConstraint(
                fields=["department", "shortcut"],
                condition=Q(department__isnull=False) & ~Q(shortcut=""),
                name="canned_shortcut_per_department",
            ),
            models.UniqueConstraint(
                fields=["system", "shortcut"],
                condition=Q(owner__isnull=True, department__isnull=True) & ~Q(shortcut=""),
                name="canned_shortcut_for_everyone",
            ),
        ]
        indexes = [models.Index(fields=["owner", "title"], name="canned_owner_title")]

    def __str__(self) -> str:
        return self.title

    @property
    def scope_label(self) -> str:
        if self.owner_id:
            return "Personal"
        return self.department.name if self.department_id else "Everyone"
