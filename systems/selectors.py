"""Reads of systems and co-ops."""

from django.conf import settings
from django.utils.translation import gettext

from systems.models import DEFAULT_SLUG, CoopMembership, System


def default_system() -> System:
    """The system everything belongs to unless told otherwise. The migration creates it; a
    database emptied since (a test flush) gets it back on first use."""
    system, _ = System.objects.get_or_create(
        slug=DEFAULT_SLUG,
        defaults={"name": getattr(settings, "LIBCHAT_SYSTEM_NAME", "") or gettext("Library")},
    )
    return system


def systems_share_coop(*, system_id: int, other_id: int) -> bool:
    """Whether two systems are the same or belong to one co-op."""
    if system_id == other_id:
        return True
    return CoopMembership.objects.filter(
        system_id=system_id, coop__memberships__system_id=other_id
    ).exists()


def coop_partner_system_ids(*, system_id: int):
    """The other systems that share a co-op with this one, as a subquery of their ids (the
    caller's query runs it; a single library's yields none)."""
    return (
        CoopMembership.objects.filter(coop__memberships__system_id=system_id)
        .exclude(system_id=system_id)
        .values("system_id")
    )


def several_systems() -> bool:
    """Whether the server holds more than one system (a single library sees none named)."""
    return System.objects.count() > 1


def coop_notes_for(*, home_system_id: int, reader_system_id: int) -> list[CoopMembership]:
    """The home system's policy notes in each co-op it shares with the reader's system, with
    the co-op and the home system: what an operator answering another library's patron reads."""
    return list(
        CoopMembership.objects.filter(
            system_id=home_system_id, coop__memberships__system_id=reader_system_id
        )
        .select_related("coop", "system")
        .order_by("coop__name")
    )
