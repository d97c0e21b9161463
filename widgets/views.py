"""The public side of widgets: the status API, the embed script and the chat iframe page.

No login, no session: these answer patrons on other sites. The status API and the embed script
read only the cache when it is warm.
"""

import hashlib
import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from libchat.core.messages import MESSAGE_MAX_CHARS
from widgets import selectors
from widgets.models import Widget
from widgets.status_api import JS_IDENTIFIER, status_answer

EMBED_MAX_AGE = 365 * 24 * 3600
EMBED_REDIRECT_MAX_AGE = 300


def _not_found() -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": "No such widget."}, status=404)


@never_cache
@require_GET
def status(request: HttpRequest, widget_id: int) -> HttpResponse:
    """`{"online": bool}`, or JSONP with `?callback=`; from the cache, 0 queries when warm.

    Warm requests are answered by `status_api.StatusFastPath` before they reach Django; this view
    answers the rest (and every request made through Django's test client).
    """
    callback = request.GET.get("callback")
    state = None
    if callback is None or JS_IDENTIFIER.fullmatch(callback):
        state = selectors.widget_state_get(widget_id=widget_id)
    answer = status_answer(state=state, callback=callback, origin=request.headers.get("Origin"))
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _embed_script(request: HttpRequest, widget: Widget) -> str:
    base = request.build_absolute_uri("/").rstrip("/")
    config = {
        "id": widget.pk,
        "kind": widget.kind,
        "title": widget.title,
        "colour": widget.colour,
        "textColour": widget.text_colour,
        "origin": base,
        "frameUrl": base + reverse("widgets:frame", args=[widget.pk]),
        "statusUrl": base + reverse("widgets:status", args=[widget.pk]),
    }
    return render_to_string(
        "widgets/embed.js",
        {"widget_id": widget.pk, "config": json.dumps(config).replace("<", "\\u003c")},
    )


@require_GET
def embed(request: HttpRequest, widget_id: int) -> HttpResponse:
    """The embed script. Its stable URL redirects to the current version, cached for a year."""
    widget = selectors.widget_active_get(widget_id=widget_id)
    if widget is None:
        return _not_found()
    script = _embed_script(request, widget)
    version = hashlib.sha256(script.encode()).hexdigest()[:16]
    if request.GET.get("v") != version:
        response = redirect(f"{reverse('widgets:embed', args=[widget.pk])}?v={version}")
        patch_cache_control(response, public=True, max_age=EMBED_REDIRECT_MAX_AGE)
        return response
    response = HttpResponse(script, content_type="text/javascript")
    response["ETag"] = f'"{version}"'
    patch_cache_control(response, public=True, max_age=EMBED_MAX_AGE, immutable=True)
    return response


@xframe_options_exempt
@require_GET
def frame(request: HttpRequest, widget_id: int) -> HttpResponse:
    """The chat page inside the iframe; only the widget's allowed origins may frame it."""
    widget = selectors.widget_active_get(widget_id=widget_id)
    state = selectors.widget_state_get(widget_id=widget_id) if widget else None
    if widget is None or state is None:
        return render(request, "widgets/unavailable.html", status=404)
    asks = [
        ("name", "Your name", "text", "name", widget.ask_name),
        ("email", "Your email", "email", "email", widget.ask_email),
    ]
    response = render(
        request,
        "widgets/frame.html",
        {
            "widget": widget,
            "online": state.online,
            "asks": [a for a in asks if a[4] != Widget.Ask.OFF],
            "Ask": Widget.Ask,
            "origins": list(state.origins),
            "message_max_chars": MESSAGE_MAX_CHARS,
        },
    )
    response["Content-Security-Policy"] = "frame-ancestors " + (" ".join(state.origins) or "'none'")
    # The patron shares their screen from inside the iframe (the embedding page's iframe carries
    # allow="display-capture"); this page must not take that back.
    response["Permissions-Policy"] = "display-capture=(self)"
    patch_cache_control(response, no_cache=True, private=True)
    return response
