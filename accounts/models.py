"""Operators, their LibChat sessions and the dashboard connections that prove they are there."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from systems.models import SystemField


class Status(models.TextChoices):
    ONLINE = "online", _("Online")
    INTERNAL = "internal", _("Internal")
    AWAY = "away", _("Away")
    OFFLINE = "offline", _("Offline")


def operator_language_choices() -> list[tuple[str, str]]:
    """The browser's choice among the shipped languages, or one of them (libchat.core.languages)."""
    return [(Operator.FOLLOW_BROWSER, _("Follow my browser")), *settings.LANGUAGES]


class OperatorQuerySet(models.QuerySet):
    def may_chat(self) -> "OperatorQuerySet":
        """Accounts that may sign in to LibChat and chat: active, and operators (an account that
        only administers is not one). The rule `Operator.may_chat` checks on one account."""
        return self.filter(is_active=True, is_operator=True)


class OperatorManager(UserManager.from_queryset(OperatorQuerySet)):
    """Django's user manager (create_user, create_superuser) with the operator queryset's
    methods; the same class for migrations, so swapping it in needs none."""


class Operator(AbstractUser):
    """A library staff member. Logging in to the site is not signing in to LibChat."""

    FOLLOW_BROWSER = "browser"

    display_name = models.CharField(max_length=150, blank=True)
    is_operator = models.BooleanField(
        "LibChat operator",
        default=True,
        help_text="Can sign in to LibChat and chat. Untick for accounts that only administer.",
    )
    notify_desktop = models.BooleanField("desktop notifications", default=True)
    notify_sound = models.BooleanField("sound notifications", default=True)
    show_internal_tab = models.BooleanField("show an Internal tab", default=False)
    language = models.CharField(
        max_length=10,
        choices=operator_language_choices,
        default=FOLLOW_BROWSER,
        help_text="The language of the dashboard; with the browser's choice, the first shipped "
        "language the browser asks for (English when none is).",
    )

    system = SystemField(related_name="operators", verbose_name=_("library system"))
    is_system_admin = models.BooleanField(
        _("system admin"),
        default=False,
        help_text=_(
            "With staff status: manages this system's operators, departments, widgets, "
            "FAQs, canned replies and settings in the admin, and sees only them."
        ),
    )

    monitors_coop = models.BooleanField(
        _("monitor co-op queue"),
        default=False,
        help_text=_(
            "Chats of the other libraries of the system's co-ops reach the operator "
            "when their own desks cannot answer."
        ),
    )

    objects = OperatorManager()

    class Meta:
        verbose_name = "operator"
        verbose_name_plural = "operators"
        ordering = ["display_name", "username"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def may_chat(self) -> bool:
        """The account may sign in to LibChat and chat; `Operator.objects.may_chat()` in a query."""
        return self.is_active and self.is_operator


class LibChatSession(models.Model):
    """One sign-in to LibChat, held by one browser. At most one is active per operator."""

    class EndReason(models.TextChoices):
        SIGNED_OUT = "signed_out", _("Signed out")
        REPLACED = "replaced", _("Signed in at another location")
        ENDED_BY_ADMIN = "ended_by_admin", _("Ended by an admin")
        LOGGED_OUT = "logged_out", _("Logged out of the site")
        SCHEDULED = "scheduled", _("Signed off at the desk's closing time")

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="libchat_sessions"
    )
    browser_key = models.CharField(
        max_length=64, help_text="Hash of the Django session that signed in."
    )
    status = models.CharField(
        max_length=10,
        choices=[c for c in Status.choices if c[0] != Status.OFFLINE],
        default=Status.ONLINE,
    )
    started_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)
    last_heard_at = models.DateTimeField(
        default=timezone.now,
        help_text="The sign-in, or the last answer to a ping of a dashboard of this browser that "
        "has since closed or expired (open ones keep theirs on their connection).",
    )
    sign_out_after_chats = models.CharField(
        max_length=150,
        blank=True,
        help_text="Set when a scheduled sign-off found the operator holding patron chats: the "
        'desk and time ("Reference, 21:00"); they are signed out when their last chat ends.',
    )

    class Meta:
        verbose_name = "LibChat session"
        constraints = [
            models.UniqueConstraint(
                fields=["operator"],
                condition=Q(ended_at__isnull=True),
                name="one_active_libchat_session_per_operator",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["online", "internal", "away"]),
                name="libchat_session_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["ended_at", "operator"])]

    def __str__(self) -> str:
        return f"{self.operator} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class SignedInOperator(LibChatSession):
    """Active LibChat sessions, for the admin's "Signed-in operators" page."""

    class Meta:
        proxy = True
        verbose_name = "signed-in operator"
        verbose_name_plural = "signed-in operators"


class DashboardConnection(models.Model):
    """One open dashboard socket and when it last answered the server's ping."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="connections"
    )
    channel_name = models.CharField(max_length=200, unique=True)
    browser_key = models.CharField(max_length=64)
    opened_at = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["operator", "browser_key", "last_seen"]),
            models.Index(fields=["last_seen"]),
        ]

    def __str__(self) -> str:
        return f"{self.operator} via {self.channel_name}"


class StatusInterval(models.Model):
    """One stretch of an operator's LibChat status (signed in as Online, Internal or Away), from
    its start to its end; open (no end) while it lasts. The record reports read for coverage (hours
    signed in and Online); live presence stays on the session and its connections. Written only
    by `accounts.services`, in the same transaction as the sign-in, status change or sign-out.
    Time outside any interval is Offline."""

    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_intervals"
    )
    status = models.CharField(
        max_length=10, choices=[c for c in Status.choices if c[0] != Status.OFFLINE]
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "status interval"
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["operator"],
                condition=Q(ended_at__isnull=True),
                name="one_open_status_interval_per_operator",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="status_interval_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["started_at", "operator"], name="status_interval_started"),
            models.Index(fields=["operator", "started_at"], name="status_interval_operator"),
            # Reports' coverage: the intervals still open or ended after the range began, which
            # the index on started_at cannot narrow (every interval of years began before).
            models.Index(fields=["ended_at"], name="status_interval_ended"),
        ]

    def __str__(self) -> str:
        return f"{self.operator} {self.get_status_display()} from {self.started_at:%Y-%m-%d %H:%M}"
