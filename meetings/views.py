"""Meeting pages: start a meeting, the meeting page, invite by email, and the guest's join page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import Operator
from departments.models import Membership
from libchat.decorators import operator_required
from meetings import services
from meetings.models import Meeting


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "accounts/refused.html", {"message": message}, status=status)


@require_POST
@operator_required
def start(request: HttpRequest) -> HttpResponse:
    host = request.user
    try:
        if request.POST.get("operator"):
            other = Operator.objects.filter(pk=_int(request.POST["operator"])).first()
            if other is None:
                return _refused(request, "No such operator.", 404)
            meeting = services.meeting_start(
                host=host, invitees=[other], kind=Meeting.Kind.DIRECT,
                title=f"Screenshare: {host.name} and {other.name}",
            )  # fmt: skip
        elif request.POST.get("department"):
            membership = (
                Membership.objects.select_related("department")
                .filter(operator=host, department_id=_int(request.POST["department"]))
                .first()
            )
            if membership is None:
                return _refused(request, "You are not a member of that department.", 403)
            department = membership.department
            meeting = services.meeting_start(
                host=host, invitees=list(department.members.all()), kind=Meeting.Kind.GROUP,
                title=f"{department.name} meeting",
            )  # fmt: skip
        elif request.POST.get("all_staff") == "1":
            meeting = services.meeting_start(
                host=host,
                invitees=list(Operator.objects.filter(is_active=True, is_operator=True)),
                kind=Meeting.Kind.GROUP, title="All Staff meeting",
            )  # fmt: skip
        else:
            return _refused(request, "Say who the meeting is with.", 400)
    except services.MeetingError as error:
        return _refused(request, error.message, 400)
    return redirect("meetings:room", meeting_id=meeting.pk)


def _int(value: str) -> int:
    return int(value) if value.isdigit() else -1


@operator_required
def room(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting, pk=meeting_id)
    if not services.meeting_may_join(meeting=meeting, operator=request.user):
        return _refused(request, "You were not invited to this meeting.", 403)
    if not meeting.is_running:
        return _refused(request, "This meeting has ended.", 410)
    return render(request, "meetings/room.html", _page_context(meeting, host=request.user))


def _page_context(meeting: Meeting, *, host=None, guest=None) -> dict:
    return {
        "meeting": meeting,
        "is_host": host is not None and meeting.host_id == host.pk,
        "guest": guest,
        "ice_servers": settings.LIBCHAT_ICE_SERVERS,
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
    return JsonResponse({"ok": True, "message": "Invitation sent."})


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invite = services.guest_invite_for_token(token)
    if invite is None:
        return _refused(request, "This invitation link is not valid.", 404)
    try:
        services.guest_invite_check(invite=invite)
    except services.MeetingError as error:
        return _refused(request, error.message, 410)
    if request.method == "POST":
        name = request.POST.get("display_name", "").strip()[:100]
        if not name:
            return render(
                request, "meetings/join.html",
                {"invite": invite, "error": "Enter the name the others will see."}, status=400,
            )  # fmt: skip
        invite.display_name = name
        invite.save(update_fields=["display_name"])
        context = _page_context(invite.meeting, guest=invite)
        context["ws_path"] = f"/ws/meetings/guest/{token}/"
        return render(request, "meetings/guest_room.html", context)
    return render(request, "meetings/join.html", {"invite": invite})
