"""Meeting pages: start a meeting, the meeting page, invite by email, and the guest's join page."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from internalchat.models import Room
from internalchat.selectors import room_for_member, room_members
from libchat.core.decorators import operator_required, refused
from meetings import services
from meetings.models import Meeting

# A guest has no account and no dashboard: their pages end on this instead of a link back.
GUEST_CLOSING = gettext_lazy("You can close this page.")


@require_POST
@operator_required
def start(request: HttpRequest) -> HttpResponse:
    """Start a meeting from an internal chat room: a screenshare in a one-to-one room, a group
    meeting in a department room or All Staff. Only the room's members may."""
    host = request.user
    room_id = request.POST.get("room", "")
    room = room_for_member(operator=host, room_id=int(room_id)) if room_id.isdigit() else None
    if room is None:
        return refused(
            request, gettext("You can start a meeting only from a room you belong to."), 403
        )
    members = room_members(room=room)
    if room.kind == Room.Kind.DIRECT:
        (other,) = [m for m in members if m.pk != host.pk] or [None]
        kind = Meeting.Kind.DIRECT
        # Titled in the host's language, the one this page speaks.
        title = gettext("Screenshare: %(host)s and %(other)s") % {
            "host": host.name,
            "other": other and other.name,
        }
    elif room.department_id:
        kind = Meeting.Kind.GROUP
        title = gettext("%(department)s meeting") % {"department": room.department.name}
    else:
        kind, title = Meeting.Kind.GROUP, gettext("All Staff meeting")
    try:
        meeting = services.meeting_start(
            host=host, invitees=members, kind=kind, title=title, room=room
        )
    except services.MeetingError as error:
        return refused(request, error.message, 400)
    return redirect("meetings:room", meeting_id=meeting.pk)


@operator_required
def room(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    if not services.meeting_may_join(meeting=meeting, operator=request.user):
        return refused(request, gettext("You were not invited to this meeting."), 403)
    if not meeting.is_running:
        return refused(request, gettext("This meeting has ended."), 410)
    return render(request, "meetings/room.html", _page_context(meeting, host=request.user))


def _page_context(meeting: Meeting, *, host=None, guest=None) -> dict:
    return {
        "meeting": meeting,
        "meeting_title": meeting.guest_title if guest is not None else meeting.title,
        "is_host": host is not None and meeting.host_id == host.pk,
        "guest": guest,
        "guest_closing": GUEST_CLOSING,
        "tab": "chats",
    }


@require_POST
@operator_required
def invite(request: HttpRequest, meeting_id: int) -> JsonResponse:
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    try:
        services.guest_invite_create(
            meeting=meeting,
            inviter=request.user,
            email=request.POST.get("email", ""),
            join_url_for=lambda token: request.build_absolute_uri(
                reverse("meetings:join", args=[token])
            ),
        )
    except services.MeetingError as error:
        return JsonResponse({"error": error.message, "code": error.code}, status=400)
    return JsonResponse({"ok": True, "message": gettext("Invitation sent.")})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invite = services.guest_invite_for_token(token)
    if invite is None:
        return refused(
            request, gettext("This invitation link is not valid."), 404, closing=GUEST_CLOSING
        )
    try:
        services.guest_invite_check(invite=invite)
    except services.MeetingError as error:
        return refused(request, error.message, 410, closing=GUEST_CLOSING)
    if request.method == "POST":
        name = request.POST.get("display_name", "").strip()[:100]
        if not name:
            return render(
                request, "meetings/join.html",
                {"invite": invite, "error": gettext("Enter the name the others will see.")},
                status=400,
            )  # fmt: skip
        services.guest_name_set(invite=invite, display_name=name)
        context = _page_context(invite.meeting, guest=invite)
        context["ws_path"] = f"/ws/meetings/guest/{token}/"
        return render(request, "meetings/guest_room.html", context)
    return render(request, "meetings/join.html", {"invite": invite})
