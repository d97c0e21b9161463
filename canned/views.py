"""HTTP for canned replies: the list the reply editor offers (JSON), and an operator's own
replies on the Settings tab (list, add, edit, delete)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from canned import selectors, services
from canned.markup import body_as_text_area, body_from_text_area
from canned.models import CannedReply
from chats.errors import ChatAccessDenied
from libchat.core.decorators import operator_required
from libchat.core.messages import MESSAGE_MAX_CHARS


@require_GET
@operator_required
def replies(request: HttpRequest) -> JsonResponse:
    """?chat=<id> fills the variables from that patron chat; without, from nothing but the
    operator and the library (internal chat)."""
    chat = request.GET.get("chat", "")
    if chat and not chat.isdigit():
        return JsonResponse(
            {"code": "bad_chat", "message": gettext("chat is a chat's id.")}, status=400
        )
    try:
        values = selectors.fill_values(operator=request.user, chat_id=int(chat) if chat else None)
    except ChatAccessDenied as denied:
        return JsonResponse({"code": denied.code, "message": denied.message}, status=404)
    return JsonResponse(
        {"replies": selectors.canned_replies_for(operator=request.user, values=values)}
    )


def _typed(request: HttpRequest) -> dict:
    return {
        "title": request.POST.get("title", ""),
        "shortcut": request.POST.get("shortcut", ""),
        "body": body_from_text_area(request.POST.get("body", "")),
    }


def _page(request, template: str, *, typed: dict, error: str = "", status: int = 200, **extra):
    context = {
        "tab": "settings",
        "typed": {**typed, "body": body_as_text_area(typed.get("body", ""))},
        "error": error,
        "max_chars": MESSAGE_MAX_CHARS,
        **extra,
    }
    return render(request, f"canned/{template}", context, status=status)


@require_http_methods(["GET", "POST"])
@operator_required
def personal(request: HttpRequest) -> HttpResponse:
    listing = {"replies": selectors.personal_replies(operator=request.user)}
    if request.method == "GET":
        return _page(request, "personal.html", typed={}, **listing)
    typed = _typed(request)
    try:
        reply = services.canned_reply_create(owner=request.user, **typed)
    except services.CannedReplyRefused as refusal:
        return _page(
            request, "personal.html", typed=typed, error=refusal.message, status=400, **listing
        )
    messages.success(request, gettext("Added “%(title)s”.") % {"title": reply.title})
    return redirect("canned:personal")


def _own(request: HttpRequest, reply_id: int) -> CannedReply:
    reply = selectors.personal_reply_for(operator=request.user, reply_id=reply_id)
    if reply is None:
        raise Http404(gettext("No such canned reply of yours."))
    return reply


@require_http_methods(["GET", "POST"])
@operator_required
def personal_edit(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _own(request, reply_id)
    if request.method == "GET":
        typed = {"title": reply.title, "shortcut": reply.shortcut, "body": reply.body}
        return _page(request, "edit.html", typed=typed, reply=reply)
    typed = _typed(request)
    try:
        services.canned_reply_update(reply=reply, **typed)
    except services.CannedReplyRefused as refusal:
        return _page(
            request, "edit.html", typed=typed, error=refusal.message, status=400, reply=reply
        )
    messages.success(request, gettext("Saved “%(title)s”.") % {"title": reply.title})
    return redirect("canned:personal")


@require_POST
@operator_required
def personal_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = _own(request, reply_id)
    services.canned_reply_delete(reply=reply)
    messages.success(request, gettext("Deleted “%(title)s”.") % {"title": reply.title})
    return redirect("canned:personal")
