"""Departments and their members; a member may monitor the department's chats or not; the times
at which a department's desk closes and its signed-in members are signed out of LibChat."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from systems.models import SystemField


class Department(models.Model):
    name = models.CharField(max_length=100)
    # Unique within the system (two libraries sharing a server may each have a "reference").
    slug = models.SlugField(max_length=100)
    system = SystemField(related_name="departments", verbose_name=_("library system"))
    active = models.BooleanField(default=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="departments"
    )
    # How far the scheduled sign-off job has looked (`departments.services.sign_off_windows_take`):
    # a sign-off time up to `sign_off_done_until` has been carried out, one whose warning time
    # (a minute before) is up to `sign_off_warned_until` has been warned of. Moved forward by a
    # conditional update, so of several jobs running at once exactly one acts on a time.
    sign_off_done_until = models.DateTimeField(null=True, blank=True, editable=False)
    sign_off_warned_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "name"],
                name="one_department_name_per_system",
                violation_error_message=_(
                    "Your library system already has a department of this name."
                ),
            ),
            models.UniqueConstraint(
                fields=["system", "slug"],
                name="one_department_slug_per_system",
                violation_error_message=_(
                    "Your library system already has a department with this slug."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    monitoring = models.BooleanField(
        default=True, help_text="Chats for this department reach the operator while signed in."
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "operator"], name="one_membership")
        ]
        ordering = ["department__name"]

    def __str__(self) -> str:
        return f"{self.operator} in {self.department}"


class SignOffTime(models.Model):
    """A weekly time at which the department's desk closes: its members signed in to LibChat are
    signed out (those holding patron chats when their last chat ends), warned a minute before.
    In the time zone of the department's library system."""

    class Weekday(models.IntegerChoices):  # date.weekday()'s numbers
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="sign_off_times"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    time = models.TimeField(help_text="Hours and minutes, in the library system's time zone.")
    # A time set (or moved) just after it passed is not carried out late, unwarned, for it.
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "scheduled sign-off"
        verbose_name_plural = "Scheduled sign-offs (signed-in members are signed out of LibChat)"
        ordering = ["department", "weekday", "time"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "weekday", "time"], name="one_sign_off_per_department_time"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="sign_off_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.get_weekday_display()} {self.time:%H:%M}"

    def clean(self) -> None:
        # The job runs once a minute: a time with seconds would be a second time in that minute.
        if self.time is not None and (self.time.second or self.time.microsecond):
            raise ValidationError({"time": "Give hours and minutes only."})
