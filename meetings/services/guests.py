"""People outside the library invited to a meeting by a personal emailed link, which the Celery
worker sends after commit so the inviting request never waits on the mail server."""

import secrets
from datetime import timedelta
from functools import partial

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from accounts.models import Operator
from libchat.core.jobs import task_enqueue_on_commit
from libchat.core.tokens import secret_hash
from meetings.models import GuestInvite, Meeting, Participant
from meetings.services.common import MeetingError, active_participants
from meetings.services.lifecycle import meeting_leave

GUEST_LINK_HOURS = 24


def guest_invite_create(
    *, meeting: Meeting, inviter: Operator, email: str, join_url_for
) -> GuestInvite:
    """Email a personal link to someone outside the library. join_url_for(token) -> str."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise MeetingError(
            "bad_email", gettext("%(email)r is not an email address.") % {"email": email}
        ) from exc
    if not meeting.is_running:
        raise MeetingError("ended", gettext("This meeting has ended."))
    if meeting.kind == Meeting.Kind.PATRON:
        raise MeetingError(
            "patron_only", gettext("A patron screenshare is between you and the patron.")
        )
    if not active_participants(meeting).filter(operator=inviter).exists():
        raise MeetingError("not_in_meeting", gettext("Join the meeting before inviting guests."))
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invite = GuestInvite.objects.create(
            meeting=meeting,
            email=email,
            token_hash=secret_hash(token),
            invited_by=inviter,
            expires_at=timezone.now() + timedelta(hours=GUEST_LINK_HOURS),
        )
        # The link holds the secret token, which the database keeps only hashed: it reaches the
        # worker as a task argument, through the Redis the channel layer already trusts.
        # The email speaks the inviter's language, the one their page or socket speaks now
        # (the worker knows no browser).
        task_enqueue_on_commit(
            "meetings.tasks.guest_invite_email_send",
            invite_id=invite.pk,
            link=join_url_for(token),
            language=translation.get_language(),
        )
    return invite


def guest_invite_email_send(*, invite_id: int, link: str, language: str | None = None) -> None:
    """Send the invitation with its personal `link` (the worker's side of the above), in the
    inviting operator's `language` (the site's for a task queued without one)."""
    invite = GuestInvite.objects.select_related("meeting", "invited_by").get(pk=invite_id)
    with translation.override(language or settings.LANGUAGE_CODE):
        title = invite.meeting.guest_title
        subject = gettext("Invitation: %(title)s") % {"title": title}
        message = "\n\n".join(
            [
                gettext('%(name)s invites you to join "%(title)s" in your browser.')
                % {"name": invite.invited_by.name, "title": title},
                gettext("Join: %(link)s") % {"link": link},
                ngettext(
                    "This link is personal. It stops working when the meeting ends, or after "
                    "%(hours)s hour.",
                    "This link is personal. It stops working when the meeting ends, or after "
                    "%(hours)s hours.",
                    GUEST_LINK_HOURS,
                )
                % {"hours": GUEST_LINK_HOURS},
            ]
        )
    send_mail(
        subject=subject,
        message=message + "\n",
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[invite.email],
    )


def guest_invite_for_token(token: str) -> GuestInvite | None:
    return (
        GuestInvite.objects.select_related("meeting").filter(token_hash=secret_hash(token)).first()
    )


def guest_remove(*, meeting: Meeting, by: Operator, participant_id: object) -> None:
    if meeting.host_id != by.pk:
        raise MeetingError("not_host", gettext("Only the host can remove a guest."))
    with transaction.atomic():
        participant = (
            Participant.objects.select_related("guest")
            .filter(pk=participant_id if isinstance(participant_id, int) else -1,
                    meeting=meeting, guest__isnull=False)
            .first()
        )  # fmt: skip
        if participant is None:
            raise MeetingError("not_a_guest", gettext("No such guest in this meeting."))
        GuestInvite.objects.filter(pk=participant.guest_id).update(removed_at=timezone.now())
        if participant.channel_name:
            transaction.on_commit(
                partial(
                    async_to_sync(get_channel_layer().send),
                    participant.channel_name,
                    {"type": "meeting.removed"},
                )
            )
        meeting_leave(participant=participant)


def guest_name_set(*, invite: GuestInvite, display_name: str) -> None:
    """The name the guest typed on the join page: the others see it once they join."""
    invite.display_name = display_name
    invite.save(update_fields=["display_name"])
