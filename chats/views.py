"""The patron's HTTP side: starting a chat from the widget's pre-chat form.

No cookie, no session and so no CSRF token (third-party cookies may be blocked in the iframe):
the answer carries the chat's token, which the page keeps in sessionStorage.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chats import services
from chats.errors import WidgetOffline
from chats.ratelimit import rate_limit_hit
from widgets.models import Widget


@csrf_exempt
@never_cache
@require_POST
def chat_start(request: HttpRequest, widget_id: int) -> JsonResponse:
    widget = get_object_or_404(Widget, pk=widget_id)
    if rate_limit_hit(
        key=f"start:{request.META.get('REMOTE_ADDR', '')}",
        limit=settings.LIBCHAT_CHAT_STARTS_PER_IP,
        seconds=settings.LIBCHAT_CHAT_STARTS_WINDOW_SECONDS,
    ):
        return JsonResponse(
            {"error": "rate_limited", "message": "Too many chats started. Try again later."},
            status=429,
        )
    try:
        chat, token = services.chat_start(
            widget=widget,
            name=request.POST.get("name", ""),
            email=request.POST.get("email", ""),
            question=request.POST.get("question", ""),
        )
    except ValidationError as error:
        return JsonResponse({"error": "invalid", "errors": error.message_dict}, status=400)
    except WidgetOffline as error:
        return JsonResponse(
            {
                "error": error.code,
                "message": error.message,
                "offline_behaviour": widget.offline_behaviour,
            },
            status=409,
        )
    return JsonResponse({"token": token, "chat_id": chat.pk}, status=201)
