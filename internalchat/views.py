"""HTTP side of internal chat: the Internal tab, history pages, file upload and download."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Operator
from internalchat import selectors, services
from internalchat.models import Attachment, Room
from libchat.core.decorators import operator_required
from libchat.core.refusals import Refusal, refusal_response
from libchat.core.uploads import file_download, file_send_arguments


def _room_for(request: HttpRequest, room_id: int) -> Room:
    get_object_or_404(Room, pk=room_id)
    room = selectors.room_for_member(operator=request.user, room_id=room_id)
    if room is None:
        raise PermissionDenied("You are not a member of this room.")
    return room


@require_GET
@operator_required
def internal_tab(request: HttpRequest) -> HttpResponse:
    return render(request, "internalchat/internal_tab.html", {"tab": "internal"})


@require_GET
@operator_required
def room_history(request: HttpRequest, room_id: int) -> JsonResponse:
    room = _room_for(request, room_id)
    before = request.GET.get("before")
    if before is not None and not before.isdigit():
        return JsonResponse({"code": "bad_before", "message": "before is a message id."}, 400)
    page = selectors.room_history(room=room, before_id=int(before) if before else None)
    return JsonResponse({"room_id": room.pk, "messages": page.messages, "has_more": page.has_more})


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
