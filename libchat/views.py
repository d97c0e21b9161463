"""The dashboard shell (Chats and Settings tabs) and the health check."""

import asyncio
import functools

from asgiref.sync import async_to_sync
from channels import DEFAULT_CHANNEL_LAYER
from channels.layers import BaseChannelLayer, channel_layers
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import operator_language_choices
from chats import selectors as chat_selectors
from chats.services import BLOCK_DURATIONS
from departments import selectors as department_selectors
from departments import services as department_services
from libchat.core.decorators import operator_required, refused
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.openapi import document as openapi_document
from meetings import selectors as meeting_selectors


@require_GET
@operator_required
def chats(request: HttpRequest) -> HttpResponse:
    # Colleagues and co-op partners: the Internal Chat lists show both, the rail colleagues.
    directory = account_selectors.operator_directory(
        exclude=request.user, system_id=request.user.system_id, coop_partners=True
    )
    context = {
        "tab": "chats",
        "directory": directory,
        "colleagues": [row for row in directory if not row.system_name],
        "meetings": meeting_selectors.meetings_running_for(operator=request.user),
        "reply_max_chars": MESSAGE_MAX_CHARS,
        # Each chat pane's tags: which are on is asked when the pane opens (chat-tags.js).
        "tag_choices": [{"tag": tag, "on": False} for tag in chat_selectors.tags_offered()],
        "block_durations": {value: label for value, (label, _) in BLOCK_DURATIONS.items()},
    }
    return render(request, "dashboard/chats.html", context)


@require_http_methods(["GET", "POST"])
@operator_required
def settings_tab(request: HttpRequest) -> HttpResponse:
    memberships = department_selectors.memberships_for_operator(operator=request.user)
    languages = operator_language_choices()
    # The co-op queue toggle, for an operator whose library is in a co-op (accounts.backends).
    in_coop = getattr(request.user, "in_coop", False)
    context = {
        "tab": "settings",
        "memberships": memberships,
        "languages": languages,
        "in_coop": in_coop,
    }
    if request.method == "POST":
        monitored = set()
        for value in request.POST.getlist("monitor"):
            if not value.isdigit():
                return refused(request, _("%(value)r is not a department.") % {"value": value}, 400)
            monitored.add(int(value))
        # A form from before the choice existed keeps the operator's language.
        language = request.POST.get("language", request.user.language)
        if language not in dict(languages):
            context["language_error"] = _("Choose one of the languages in the list.")
            return render(request, "dashboard/settings.html", context, status=400)
        department_services.monitoring_set(
            operator=request.user, monitored_department_ids=monitored
        )
        account_services.operator_preferences_update(
            operator=request.user,
            notify_desktop="notify_desktop" in request.POST,
            notify_sound="notify_sound" in request.POST,
            show_internal_tab="show_internal_tab" in request.POST,
            language=language,
            monitors_coop="monitor_coop" in request.POST if in_coop else None,
        )
        # Said in the language the next page is in.
        new_language = account_selectors.operator_language(
            operator=request.user, accept_language=request.headers.get("Accept-Language", "")
        )
        with translation.override(new_language):
            messages.success(request, _("Settings saved."))
        return redirect("dashboard:settings")
    return render(request, "dashboard/settings.html", context)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon."""
    return redirect(static("img/favicon.svg"))


def _check(probe) -> str:
    try:
        probe()
    except Exception as exc:  # a health check reports every failure, whatever its kind
        return f"failed: {exc.__class__.__name__}: {exc}"[:300]
    return "ok"


def _database_probe() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis_probe() -> None:
    cache.set("healthz", "1", timeout=10)
    if cache.get("healthz") != "1":
        raise RuntimeError("value written was not read back")


# A probe slower than this reports the channel layer failed rather than keep the checker waiting.
CHANNEL_LAYER_PROBE_SECONDS = 2


@functools.cache
def _probe_layer() -> BaseChannelLayer:
    """A channel layer of its own, configured as the sockets' one: channels_redis lets one
    receive at a time wait on a layer's process-local channels, and each open socket waits there
    for its next event, so a probe on the shared layer would wait for some socket's traffic."""
    return channel_layers.make_backend(DEFAULT_CHANNEL_LAYER)


async def _channel_layer_round_trip() -> None:
    layer = _probe_layer()
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz"})
    async with asyncio.timeout(CHANNEL_LAYER_PROBE_SECONDS):
        received = await layer.receive(channel)
    if received != {"type": "healthz"}:
        raise RuntimeError("message sent was not received")


def _channel_layer_probe() -> None:
    async_to_sync(_channel_layer_round_trip)()


@csrf_exempt  # read-only: any other method is a 405, not a CSRF 403
@require_GET
@cache_control(max_age=3600, public=True)
def openapi(request: HttpRequest) -> JsonResponse:
    """The public API's OpenAPI document (libchat/openapi.py)."""
    return JsonResponse(openapi_document())


@csrf_exempt  # read-only: any other method is a 405, not a CSRF 403
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    parts = {
        "database": _check(_database_probe),
        "redis": _check(_redis_probe),
        "channel_layer": _check(_channel_layer_probe),
    }
    healthy = all(v == "ok" for v in parts.values())
    return JsonResponse(
        {"status": "ok" if healthy else "failed", **parts}, status=200 if healthy else 503
    )
