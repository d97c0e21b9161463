"""A library system (one library or a library system sharing a server with others) and the
co-ops several systems form to share a chat queue, with each member's policy notes."""

import hashlib
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

DEFAULT_SLUG = "library"
COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"


def time_zone_default() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(zone)s.") % {"zone": value})


class SystemField(models.ForeignKey):
    """The `system` an object belongs to. Left empty, a new object is saved into the default
    system, so a single-library install never names one. Filled at insert rather than by a
    `default`: a default would be read whenever an instance is built, database or not (Django's
    checks build an Operator before any migration ran)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to", "systems.System")
        kwargs.setdefault("on_delete", models.PROTECT)
        kwargs["blank"] = True
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("blank", None)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        if add and getattr(model_instance, self.attname) is None:
            from systems.selectors import default_system

            setattr(model_instance, self.attname, default_system().pk)
        return super().pre_save(model_instance, add)


class System(models.Model):
    """One library or library system: owns its operators, departments, widgets, FAQ groups,
    canned replies and its All Staff room."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=time_zone_default, validators=[validate_time_zone]
    )
    logo = models.FileField(
        _("logo"),
        upload_to="systems/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "gif", "webp"])],
    )
    widget_colour = models.CharField(
        _("widget colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(COLOUR_PATTERN, _("Enter a colour as #rrggbb."))],
        help_text=_("The colour new widgets of this system start with; empty keeps LibChat's."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("library system")
        verbose_name_plural = _("library systems")
        constraints = [
            models.CheckConstraint(
                condition=Q(widget_colour="") | Q(widget_colour__regex=COLOUR_PATTERN),
                name="system_widget_colour_valid",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def logo_version(self) -> str:
        """Changes whenever the logo does (each upload is stored under a new name): the widget
        page's address for the logo carries it, so browsers may cache the image for long."""
        return hashlib.sha256(self.logo.name.encode()).hexdigest()[:12] if self.logo else ""


class Coop(models.Model):
    """A named group of systems sharing a chat queue (e.g. a state's 24/7 reference co-op)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    members = models.ManyToManyField(System, through="CoopMembership", related_name="coops")

    class Meta:
        ordering = ["name"]
        verbose_name = _("co-op")
        verbose_name_plural = _("co-ops")

    def __str__(self) -> str:
        return self.name


class CoopMembership(models.Model):
    """A system's place in a co-op and the notes its admins write for the other members'
    operators who answer its patrons."""

    coop = models.ForeignKey(Coop, on_delete=models.CASCADE, related_name="memberships")
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="coop_memberships")
    hours = models.TextField(_("hours"), blank=True)
    services = models.TextField(_("services"), blank=True)
    links = models.TextField(_("links"), blank=True)
    follow_ups = models.TextField(
        _("where follow-ups go"),
        blank=True,
        help_text=_(
            "An email address or a page where a question answered by another library "
            "is followed up."
        ),
    )

    class Meta:
        verbose_name = _("co-op membership")
        verbose_name_plural = _("co-op memberships")
        constraints = [
            models.UniqueConstraint(fields=["coop", "system"], name="one_coop_membership")
        ]

    def __str__(self) -> str:
        return f"{self.system} in {self.coop}"
