"""Chat widgets a library embeds in its pages, and who monitors each of them."""

import contextlib
import functools
import re
import secrets
import zoneinfo
from datetime import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from systems.models import SystemField

COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"  # the validator's, the database check's, the contrast's
colour_validator = RegexValidator(COLOUR_PATTERN, "Enter a colour as #rrggbb, for example #1f5fa8.")

# WCAG 2.x AA for normal text (1.4.3): the widget's button label must stand out from its colour.
MIN_CONTRAST = 4.5


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 (the same) to 21 (black on white)."""

    def luminance(colour: str) -> float:
        channels = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


HASH_PATTERN = r"^[0-9a-f]{32}$"  # for the database's check; HASH for Python's fullmatch
HASH = re.compile(r"[0-9a-f]{32}")
libchat_hash_validator = RegexValidator(
    r"^[0-9a-fA-F]{32}$",
    "A LibChat hash is 32 hexadecimal characters (0-9, a-f), as in load_chat.php?hash=...",
)


def widget_hash_new() -> str:
    """A widget's public hash: 32 lowercase hex characters, the shape of a LibChat hash."""
    return secrets.token_hex(16)


def origin_normalise(value: str) -> str:
    """Return the origin `scheme://host[:port]` written in value, or raise ValidationError.

    An origin has no path, query, fragment or credentials; a lone trailing slash is forgiven.
    """
    text = value.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(f"{text!r} is not a valid origin.", code="invalid_origin") from exc
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in text)
    ):
        raise ValidationError(
            f"{text!r} is not a valid origin: write scheme and host, and a port if needed, "
            "like https://www.library.example or http://127.0.0.1:8001.",
            code="invalid_origin",
        )
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def origins_parse(text: str) -> list[str]:
    """The origins written one per line (or separated by spaces), normalised, without repeats."""
    origins: list[str] = []
    errors: list[ValidationError] = []
    for word in text.split():
        try:
            origin = origin_normalise(word)
        except ValidationError as error:
            errors.append(error)
            continue
        if origin not in origins:
            origins.append(origin)
    if errors:
        raise ValidationError(errors)
    if not origins:
        raise ValidationError("Enter at least one origin the widget may be embedded on.")
    return origins


def validate_origins(text: str) -> None:
    origins_parse(text)


def widget_language_choices() -> list[tuple[str, str]]:
    """A shipped language, or the patron's browser's choice among them (libchat.core.languages)."""
    return [(Widget.FOLLOW_BROWSER, "Follow the patron's browser"), *settings.LANGUAGES]


def time_zone_default() -> str:
    return settings.TIME_ZONE


@functools.cache  # read from the system's zone files: once per process is enough
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Widget(models.Model):
    FOLLOW_BROWSER = "browser"

    class Kind(models.TextChoices):
        SLIDE_OUT = "slide_out", "Slide-out tab"
        FLOATING = "floating", "Floating button"
        IN_PAGE = "in_page", "In-page"
        POP_OUT = "pop_out", "Pop-out link"

    class Ask(models.TextChoices):
        OFF = "off", "Not asked"
        OPTIONAL = "optional", "Optional"
        REQUIRED = "required", "Required"

    class Offline(models.TextChoices):
        TICKET_FORM = "ticket_form", "Show an offline form that creates a ticket"
        MESSAGE = "message", "Show a message only"

    class Away(models.TextChoices):
        QUEUE = "queue", "Show the away message and still accept chats into the queue"
        OFFLINE = "offline", "Show the away message and behave as when nobody is online"

    name = models.CharField(max_length=100, help_text="For staff; patrons see the title.")
    kind = models.CharField("type", max_length=12, choices=Kind.choices, default=Kind.FLOATING)
    title = models.CharField(max_length=100, default="Chat with a librarian")
    online_greeting = models.TextField(default="Hi! Ask us anything: a librarian is here to help.")
    offline_message = models.TextField(
        default="No librarian is available right now. Please try again during our opening hours."
    )
    colour = models.CharField(
        "button colour", max_length=7, default="#1f5fa8", validators=[colour_validator]
    )
    text_colour = models.CharField(
        "button text colour", max_length=7, default="#ffffff", validators=[colour_validator]
    )
    allowed_origins = models.TextField(
        "allowed embedding origins",
        validators=[validate_origins],
        help_text="One per line, like https://www.library.example. The widget works only there.",
    )
    ask_name = models.CharField(
        "pre-chat: name", max_length=8, choices=Ask.choices, default=Ask.OPTIONAL
    )
    ask_email = models.CharField(
        "pre-chat: email", max_length=8, choices=Ask.choices, default=Ask.OPTIONAL
    )
    ask_question = models.CharField(
        "pre-chat: question", max_length=8, choices=Ask.choices, default=Ask.REQUIRED
    )
    offline_behaviour = models.CharField(
        max_length=12, choices=Offline.choices, default=Offline.TICKET_FORM
    )
    away_message = models.TextField(
        blank=True,
        help_text="Shown when the operators who monitor the widget are signed in but all Away, "
        'like "We\'ll be right back". Empty: the widget says nothing more than its greeting '
        "or its offline message.",
    )
    away_behaviour = models.CharField(
        "when all are Away",
        max_length=8,
        choices=Away.choices,
        default=Away.OFFLINE,
        help_text="Whether patrons may still start a chat (it waits in the queue until someone "
        "is Online) or get the offline form or message.",
    )
    invite_after_seconds = models.PositiveIntegerField(
        "invite after (seconds)",
        default=0,
        validators=[MaxValueValidator(3600)],
        help_text="Open the chat by itself after a patron has been this long on a page, with "
        "the invitation below, while a librarian is Online. 0: never. A patron who closes it "
        "is not invited again in that browser tab, on any page of the site.",
    )
    invite_message = models.TextField(
        "invitation",
        blank=True,
        default="Hello! Can we help you find something?",
        help_text="What the chat says when it opens by itself.",
    )
    time_zone = models.CharField(
        max_length=64,
        choices=time_zone_choices,
        default=time_zone_default,
        help_text="The library's time zone: the opening hours and closed dates are read in it.",
    )
    language = models.CharField(
        max_length=8,
        choices=widget_language_choices,
        default="en",
        help_text="What the widget's own words are in (its buttons, status lines and messages); "
        "with the browser's choice, the first of the shipped languages the patron's browser asks "
        "for, else English. The texts above are shown as written, unless the widget has its own "
        "for the patron's language (Texts in other languages, below).",
    )
    active = models.BooleanField(default=True, help_text="An inactive widget shows as offline.")
    send_page_url = models.BooleanField(
        "send the page address",
        default=True,
        help_text="The widget tells the operator which of the library's pages the chat was "
        "started from. Off: the page address is neither sent nor stored.",
    )
    system = SystemField(related_name="widgets", verbose_name="library system")
    first_operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="first choice: operator",
    )
    first_department = models.ForeignKey(
        "departments.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="first choice: department",
    )
    hash = models.CharField(
        max_length=32,
        unique=True,
        default=widget_hash_new,
        editable=False,
        help_text="Names the widget in load_chat.php and chati.php URLs.",
    )
    libchat_id = models.IntegerField(
        "LibChat widget id",
        null=True,
        blank=True,
        unique=True,
        validators=[
            MinValueValidator(1, "A LibChat widget id is a positive whole number, like 9616.")
        ],
        error_messages={"unique": "Another widget has this LibChat widget id already."},
        help_text="The id of the Springshare LibChat widget this one replaces, as in "
        "/1.0/chat/widgets/status/9616, so the library's pages keep working.",
    )
    libchat_hash = models.CharField(
        "LibChat hash",
        max_length=32,
        null=True,
        blank=True,
        unique=True,
        validators=[libchat_hash_validator],
        error_messages={"unique": "Another widget has this LibChat hash already."},
        help_text="The hash of the Springshare LibChat widget this one replaces, as in "
        "load_chat.php?hash=... and div#libchat_....",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(hash__regex=HASH_PATTERN), name="widget_hash_hex"),
            models.CheckConstraint(
                condition=Q(libchat_id__isnull=True) | Q(libchat_id__gte=1),
                name="widget_libchat_id_positive",
            ),
            models.CheckConstraint(
                condition=Q(libchat_hash__isnull=True) | Q(libchat_hash__regex=HASH_PATTERN),
                name="widget_libchat_hash_hex",
            ),
            models.CheckConstraint(
                condition=Q(first_operator__isnull=True) ^ Q(first_department__isnull=True),
                name="widget_first_choice_operator_xor_department",
            ),
            models.CheckConstraint(
                condition=Q(colour__regex=COLOUR_PATTERN) & Q(text_colour__regex=COLOUR_PATTERN),
                name="widget_colours_are_hex",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        # Raised on a field, so full_clean() skips the constraint on that field, which would
        # add Django's raw "Constraint ... is violated." under the same mistake.
        if self.first_operator_id and self.first_department_id:
            raise ValidationError(
                {
                    "first_operator": ValidationError(
                        "Choose one first choice: an operator or a department, not both.",
                        code="first_choice_both",
                    )
                }
            )
        if not self.first_operator_id and not self.first_department_id:
            raise ValidationError(
                {
                    "first_department": ValidationError(
                        "Choose who monitors the widget first: an operator or a department.",
                        code="first_choice_missing",
                    )
                }
            )
        with contextlib.suppress(ValidationError):  # the field's validator reports it
            self.allowed_origins = "\n".join(origins_parse(self.allowed_origins))
        if self.libchat_hash:
            self.libchat_hash = self.libchat_hash.strip().lower()
        self._clean_contrast()
        self._clean_libchat_names()

    def _clean_contrast(self) -> None:
        colour = colour_validator.regex
        if not (colour.match(self.colour or "") and colour.match(self.text_colour or "")):
            return  # the fields' validator reports it
        ratio = contrast_ratio(self.colour, self.text_colour)
        if ratio < MIN_CONTRAST:
            raise ValidationError(
                {
                    "text_colour": ValidationError(
                        "The button text is hard to read on this colour: contrast %(ratio).1f:1, "
                        "at least %(least)s:1 is needed (WCAG AA). Choose a darker or lighter "
                        "text colour.",
                        code="low_contrast",
                        params={"ratio": ratio, "least": MIN_CONTRAST},
                    )
                }
            )

    def _clean_libchat_names(self) -> None:
        """A LibChat id or hash must not be another widget's own: compatibility URLs resolve the
        LibChat values first, so that widget's own URLs would reach this one instead."""
        others = Widget.objects.exclude(pk=self.pk)
        errors = {}
        if self.libchat_id and others.filter(pk=self.libchat_id).exists():
            errors["libchat_id"] = ValidationError(
                "This is the LibChat-here id of another widget; its pages would reach this one.",
                code="libchat_id_taken",
            )
        if self.libchat_hash and others.filter(hash=self.libchat_hash).exists():
            errors["libchat_hash"] = ValidationError(
                "This is the LibChat-here hash of another widget; its pages would reach this one.",
                code="libchat_hash_taken",
            )
        if errors:
            raise ValidationError(errors)

    @property
    def origins(self) -> list[str]:
        return origins_parse(self.allowed_origins)

    @property
    def status_id(self) -> int:
        """The id library pages use in the status URL and the slide-out button's id: the LibChat
        widget id when set, so pages written for LibChat keep working, else ours."""
        return self.libchat_id or self.pk

    @property
    def first_choice(self) -> tuple[int | None, int | None]:
        """(operator id, department id) of the first choice; exactly one is set."""
        return self.first_operator_id, self.first_department_id


def text_language_choices() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class WidgetText(models.Model):
    """The widget's own words (those an admin writes) in one more language, for the patrons the
    widget speaks that language to (its language, or their browser's). A text left blank shows
    the widget's own."""

    # The fields of Widget an admin writes that a patron reads, in the order the admin shows them.
    FIELDS = ("title", "online_greeting", "offline_message", "away_message", "invite_message")

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="texts")
    language = models.CharField(max_length=8, choices=text_language_choices)
    title = models.CharField(max_length=100, blank=True)
    online_greeting = models.TextField(blank=True)
    offline_message = models.TextField(blank=True)
    away_message = models.TextField(blank=True)
    invite_message = models.TextField(blank=True)

    class Meta:
        ordering = ["widget", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "language"],
                name="widget_text_one_per_language",
                violation_error_message="This widget already has texts in that language.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.widget} ({self.get_language_display()})"


class WidgetFallback(models.Model):
    """Who monitors the widget when nobody in the first choice (or an earlier fallback) can."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="fallbacks")
    position = models.PositiveSmallIntegerField(help_text="Fallbacks are tried in this order.")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    coop = models.ForeignKey(
        "systems.Coop",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="co-op",
        help_text="Its members' operators who monitor the co-op queue; after the widget's "
        "own operators and departments.",
    )

    class Meta:
        ordering = ["widget", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operator__isnull=False, department__isnull=True, coop__isnull=True)
                | Q(operator__isnull=True, department__isnull=False, coop__isnull=True)
                | Q(operator__isnull=True, department__isnull=True, coop__isnull=False),
                name="widget_fallback_one_choice",
            ),
            models.UniqueConstraint(
                fields=["widget", "coop"],
                condition=Q(coop__isnull=False),
                name="widget_fallback_coop_once",
                violation_error_message="This co-op is already a fallback of this widget.",
            ),
            models.UniqueConstraint(
                fields=["widget", "position"], name="widget_fallback_position_unique"
            ),
            models.UniqueConstraint(
                fields=["widget", "operator"],
                condition=Q(operator__isnull=False),
                name="widget_fallback_operator_once",
                violation_error_message="This operator is already a fallback of this widget.",
            ),
            models.UniqueConstraint(
                fields=["widget", "department"],
                condition=Q(department__isnull=False),
                name="widget_fallback_department_once",
                violation_error_message="This department is already a fallback of this widget.",
            ),
        ]

    def __str__(self) -> str:
        return f"Fallback {self.position}: {self.operator or self.department or self.coop}"

    def clean(self) -> None:
        super().clean()
        if [bool(self.operator_id), bool(self.department_id), bool(self.coop_id)].count(True) != 1:
            # On a field, like Widget.clean's first choice: the raw constraint error stays out.
            message = (
                "A fallback is an operator, a department or a co-op: choose exactly one."
                if self.coop_id
                else "A fallback is an operator or a department: choose exactly one."
            )
            raise ValidationError({"operator": ValidationError(message, code="fallback_choice")})
        widget = getattr(self, "widget", None) if self.widget_id else None
        if widget is not None and (self.operator_id, self.department_id) == widget.first_choice:
            raise ValidationError(
                "This fallback is the widget's first choice already.", code="fallback_is_first"
            )

    @property
    def choice(self) -> tuple[int | None, int | None]:
        return self.operator_id, self.department_id


def fallbacks_validate(
    *, first_choice: tuple[int | None, int | None], choices: list[tuple[int | None, int | None]]
) -> None:
    """Raise ValidationError when a fallback is the first choice or repeats an earlier one.

    Each choice is (operator id, department id) with exactly one set.
    """
    errors = []
    seen = {first_choice}
    for position, choice in enumerate(choices, start=1):
        if choice == first_choice:
            errors.append(f"Fallback {position} is the first choice already.")
        elif choice in seen:
            errors.append(f"Fallback {position} repeats an earlier fallback.")
        seen.add(choice)
    if errors:
        raise ValidationError(errors, code="fallback_repeats")


class WidgetOnlineInterval(models.Model):
    """One stretch of time a widget was online (someone could answer it), open while it lasts: the
    record behind the Reports tab's "Hours online". Written only by the widget status refresh
    (`widgets.services`), which runs on every sign-in and status change and every minute, so a
    stretch is true to within that minute. Time outside any interval is offline."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="online_intervals")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "online interval"
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"], name="widget_online_started")]
        constraints = [
            models.UniqueConstraint(
                fields=["widget"],
                condition=Q(ended_at__isnull=True),
                name="one_open_online_interval_per_widget",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="online_interval_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.widget} online from {self.started_at:%Y-%m-%d %H:%M}"


MIDNIGHT = time(0)


class WidgetOpeningSpan(models.Model):
    """One span of the widget's weekly opening hours: on this weekday, from `opens_at` to
    `closes_at` in the widget's time zone (a closing time of 00:00 is midnight, the end of the
    day). A widget with no span keeps no hours: it is open whenever someone can answer."""

    class Weekday(models.IntegerChoices):  # date.weekday()'s numbers
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="opening_spans")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField("opens")
    closes_at = models.TimeField("closes", help_text="00:00 is midnight, the end of the day.")

    class Meta:
        verbose_name = "opening hours"
        verbose_name_plural = "Opening hours (in the widget's time zone; none: always open)"
        ordering = ["widget", "weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")) | Q(closes_at=MIDNIGHT),
                name="opening_span_closes_after_it_opens",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_span_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    def clean(self) -> None:
        super().clean()
        if (
            self.opens_at is not None
            and self.closes_at is not None
            and self.closes_at != MIDNIGHT
            and self.closes_at <= self.opens_at
        ):
            # On a field, so the raw constraint error stays out (as Widget.clean does).
            raise ValidationError(
                {
                    "closes_at": ValidationError(
                        "The closing time must be after the opening time (00:00 for midnight).",
                        code="closes_before_opening",
                    )
                }
            )

    @property
    def closes_minutes(self) -> int:
        """Minutes after the day's start at which the span ends: 24 h for midnight."""
        return (
            24 * 60
            if self.closes_at == MIDNIGHT
            else self.closes_at.hour * 60 + self.closes_at.minute
        )


def opening_spans_validate(spans: list[tuple[int, time, time]]) -> None:
    """Raise ValidationError when two spans (weekday, opens, closes) of one widget overlap."""
    errors = []
    by_day: dict[int, list[tuple[time, time]]] = {}
    for weekday, opens, closes in spans:
        by_day.setdefault(weekday, []).append((opens, closes))
    for weekday, day_spans in sorted(by_day.items()):
        day_spans.sort()
        for (_, first_closes), (second_opens, _) in zip(day_spans, day_spans[1:], strict=False):
            if first_closes == MIDNIGHT or second_opens < first_closes:
                errors.append(
                    ValidationError(
                        "%(day)s: the hours from %(opens)s overlap the hours before them.",
                        code="opening_spans_overlap",
                        params={
                            "day": WidgetOpeningSpan.Weekday(weekday).label,
                            "opens": second_opens.strftime("%H:%M"),
                        },
                    )
                )
    if errors:
        raise ValidationError(errors)


class WidgetClosedDate(models.Model):
    """A day the widget is closed all day whatever its weekly hours: a holiday, a closure."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="closed_dates")
    date = models.DateField()
    reason = models.CharField(max_length=100, blank=True, help_text="For staff, like a holiday.")

    class Meta:
        verbose_name = "closed date"
        verbose_name_plural = "Closed dates (holidays, closures)"
        ordering = ["widget", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["widget", "date"],
                name="widget_closed_date_once",
                violation_error_message="This date is a closed date of this widget already.",
            )
        ]

    def __str__(self) -> str:
        return f"Closed {self.date:%Y-%m-%d}"
