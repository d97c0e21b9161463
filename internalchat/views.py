"""HTTP side of internal chat: the Internal tab, history pages, file upload and download."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Operator
from internalchat import selectors, services
from internalchat.models import Attachment, Room
from internalchat.search import SearchRefused
from libchat.core.decorators import operator_required
from libchat.core.refusals import Refusal, refusal_response
from libchat.core.uploads import file_download, file_send_arguments


def _room_for(request: HttpRequest, room_id: int) -> Room:
    get_object_or_404(Room, pk=room_id)
    room = selectors.room_for_member(operator=request.user, room_id=room_id)
    if room is None:
        raise PermissionDenied(gettext("You are not a member of this room."))
    return room


@require_GET
@operator_required
def internal_tab(request: HttpRequest) -> HttpResponse:
    return render(request, "internalchat/internal_tab.html", {"tab": "internal"})


@require_GET
@operator_required
def room_history(request: HttpRequest, room_id: int) -> JsonResponse:
    """The latest page, the page `before` a message, the page `after` one, or the messages
    `around` one (a search result or a mention); `has_newer` says whether newer ones follow."""
    room = _room_for(request, room_id)
    given = {k: request.GET[k] for k in ("before", "after", "around") if k in request.GET}
    if len(given) > 1 or not all(v.isdigit() and len(v) < 19 for v in given.values()):
        return JsonResponse(
            {
                "code": "bad_before",
                "message": gettext("Give one of before, after or around: a message id."),
            },
            status=400,
        )
    if "around" in given:
        window = selectors.room_history_around(room=room, message_id=int(given["around"]))
    elif "after" in given:
        window = selectors.room_history_after(room=room, after_id=int(given["after"]))
    else:
        before = given.get("before")
        page = selectors.room_history(room=room, before_id=int(before) if before else None)
        window = selectors.HistoryWindow(page.messages, page.has_more, has_newer=False)
    return JsonResponse(
        {
            "room_id": room.pk,
            "messages": window.messages,
            "has_more": window.has_more,
            "has_newer": window.has_newer,
        }
    )


@require_GET
@operator_required
def room_mentionable(request: HttpRequest, room_id: int) -> JsonResponse:
    """Whom the asking member may @mention in the room (the editor's typeahead)."""
    room = _room_for(request, room_id)
    return JsonResponse(selectors.room_mentionable(room=room, operator=request.user))


@require_GET
@operator_required
def message_search(request: HttpRequest) -> JsonResponse:
    """Search the messages of the operator's rooms: `?q=` in search.py's query language."""
    try:
        results = selectors.message_search(operator=request.user, query=request.GET.get("q", ""))
    except SearchRefused as refusal:
        return refusal_response(refusal)
    return JsonResponse({"results": results})


@require_GET
@operator_required
def mention_list(request: HttpRequest) -> JsonResponse:
    """The asking operator's own Mentions list, unread first."""
    return JsonResponse({"mentions": selectors.mentions_for(operator=request.user)})


@require_POST
@operator_required
def room_file_send(request: HttpRequest, room_id: int) -> JsonResponse:
    room = _room_for(request, room_id)
    try:
        message = services.message_send(
            room=room, sender=request.user, **file_send_arguments(request)
        )
    except Refusal as refusal:
        status = 403 if refusal.code == "forbidden" else 400
        return refusal_response(refusal, status=status)
    return JsonResponse({"message_id": message.pk}, status=201)


@require_GET
@operator_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
    _room_for(request, attachment.message.room_id)
    return file_download(
        file=attachment.file, name=attachment.original_name, content_type=attachment.content_type
    )


@require_POST
@operator_required
def direct_room_open(request: HttpRequest, operator_id: int) -> JsonResponse:
    other = get_object_or_404(Operator, pk=operator_id)
    try:
        room = services.room_direct_get_or_create(operator=request.user, other=other)
    except Refusal as refusal:
        return refusal_response(refusal)
    return JsonResponse({"room": selectors.room_describe(room)})
