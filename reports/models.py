"""Reports keep no data of their own: this model only holds the "View reports" permission, so an
admin can grant it per operator or by group in the Django admin."""

from django.db import models

# The permission as `has_perm` names it.
VIEW_REPORTS = "reports.view_reports"


class Report(models.Model):
    """No table: the anchor of the "View reports" permission."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_reports", "View reports")]

    def __str__(self) -> str:
        return "Reports"
