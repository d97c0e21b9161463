"""The public side of widgets: the status API, the embed script and the chat iframe page, under
our own URLs and under those of Springshare's LibChat (`/1.0/chat/widgets/status/<id>`,
`load_chat.php?hash=`, `chati.php?hash=`), so pages written for LibChat need only a new host name.

No login, no session: these answer patrons on other sites. The status API reads only the cache
when it is warm.
"""

import hashlib
import json

from csp import constants as csp
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import JavaScriptCatalog

from libchat.core.addresses import patron_turned_away, request_address_hash
from libchat.core.languages import FALLBACK_LANGUAGE, catalog_version, shipped_languages
from libchat.core.messages import MESSAGE_MAX_CHARS
from widgets import selectors
from widgets.models import Widget
from widgets.status_api import JS_IDENTIFIER, PREFLIGHT, status_answer

EMBED_MAX_AGE = 365 * 24 * 3600
EMBED_REDIRECT_MAX_AGE = 300


def _not_found() -> JsonResponse:
    return JsonResponse({"error": "not_found", "message": "No such widget."}, status=404)


@csrf_exempt  # read-only: any other method is a 405, not a CSRF 403
@never_cache
@require_http_methods(["GET", "OPTIONS"])
def status(request: HttpRequest, widget_id: int) -> HttpResponse:
    """`{"online": bool}`, or JSONP with `?callback=`; from the cache, 0 queries when warm.

    An `OPTIONS` preflight (a page that adds a header such as jQuery's `X-Requested-With` makes
    the browser ask first) is answered for any origin without reading anything.

    The id is a LibChat widget id an admin set, or else ours. Warm requests are answered by
    `status_api.StatusFastPath` before they reach Django; this view answers the rest (and every
    request made through Django's test client).
    """
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        for name, value in PREFLIGHT.items():
            response[name] = value
        return response
    callback = request.GET.get("callback")
    state = None
    if callback is None or JS_IDENTIFIER.fullmatch(callback):
        state = selectors.widget_state_by_status_id(status_id=widget_id)
    answer = status_answer(state=state, callback=callback)
    response = HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def _button_texts(widget: Widget) -> dict[str, dict[str, str]]:
    """The words of the button on the library's page (the widget's title among them, as the
    admin wrote it for that language), in the widget's language or, when it follows the
    browser, in each shipped one for the script to choose from."""
    texts = {}
    following = widget.language == Widget.FOLLOW_BROWSER
    titles = {
        language: texts["title"]
        for language, texts in selectors.widget_texts(widget=widget).items()
        if "title" in texts
    }
    for language in shipped_languages() if following else [widget.language]:
        with translation.override(language):
            texts[language] = {
                "title": titles.get(language, widget.title),
                "online": translation.gettext("Online"),
                "offline": translation.gettext("Offline"),
                "newReply": translation.gettext("New reply"),
                "newReplies": translation.gettext("%(count)s new replies"),
            }
    return texts


def _embed_script(request: HttpRequest, widget: Widget) -> str:
    base = request.build_absolute_uri("/").rstrip("/")
    hashes = [widget.libchat_hash, widget.hash] if widget.libchat_hash else [widget.hash]
    config = {
        "id": widget.pk,
        "kind": widget.kind,
        "title": widget.title,
        "colour": widget.colour,
        "textColour": widget.text_colour,
        "origin": base,
        "frameUrl": base + reverse("widgets:frame", args=[widget.pk]),
        "statusUrl": base + reverse("widgets:status", args=[widget.status_id]),
        # Where the page wants the widget: our snippet's div, or a LibChat page's.
        "containerIds": [f"libchat-widget-{widget.pk}", *(f"libchat_{h}" for h in hashes)],
        # LibChat pages style and relabel the button by this id, the one in their status URL.
        "buttonId": f"lcs_slide_out_button-{widget.status_id}",
        # The admin's "Send the page address": off, the page never names itself to us.
        "sendPage": widget.send_page_url,
        # Open by itself after this many seconds on a page (0: never); the chat page shows the
        # invitation (embedder.js).
        "inviteAfter": widget.invite_after_seconds if widget.invite_message.strip() else 0,
        "texts": _button_texts(widget),
        "fallbackLanguage": FALLBACK_LANGUAGE,
    }
    return render_to_string(
        "widgets/embed.js",
        {"widget_id": widget.pk, "config": json.dumps(config).replace("<", "\\u003c")},
    )


def _embed_version(script: str) -> str:
    return hashlib.sha256(script.encode()).hexdigest()[:16]


def _embed_redirect(widget: Widget, version: str) -> HttpResponse:
    """To the current version of the widget's script; the redirect itself is cached briefly so
    that a changed widget reaches the library's pages within minutes."""
    response = redirect(f"{reverse('widgets:embed', args=[widget.pk])}?v={version}")
    patch_cache_control(response, public=True, max_age=EMBED_REDIRECT_MAX_AGE)
    return response


@require_GET
def embed(request: HttpRequest, widget_id: int) -> HttpResponse:
    """The embed script. Its stable URL redirects to the current version, cached for a year."""
    widget = selectors.widget_active_get(widget_id=widget_id)
    if widget is None:
        return _not_found()
    script = _embed_script(request, widget)
    version = _embed_version(script)
    if request.GET.get("v") != version:
        return _embed_redirect(widget, version)
    response = HttpResponse(script, content_type="text/javascript")
    response["ETag"] = f'"{version}"'
    patch_cache_control(response, public=True, max_age=EMBED_MAX_AGE, immutable=True)
    return response


@require_GET
def load_chat(request: HttpRequest) -> HttpResponse:
    """LibChat's `load_chat.php?hash=`: the widget's embed script, the very same versioned URL
    as `embed.js` and cached the same way."""
    widget = selectors.widget_by_hash_get(widget_hash=request.GET.get("hash", ""))
    if widget is None:
        return _not_found()
    return _embed_redirect(widget, _embed_version(_embed_script(request, widget)))


@xframe_options_exempt
@require_GET
def frame(request: HttpRequest, widget_id: int) -> HttpResponse:
    """The chat page inside the iframe; only the widget's allowed origins may frame it."""
    return _frame_page(request, selectors.widget_active_get(widget_id=widget_id))


@xframe_options_exempt
@require_GET
def chati(request: HttpRequest) -> HttpResponse:
    """LibChat's pop-out chat page, `chati.php?hash=`: the widget's chat page."""
    widget = selectors.widget_by_hash_get(widget_hash=request.GET.get("hash", ""))
    return _frame_page(request, widget)


# The image types a system's logo may be (systems.models.System.logo), by file extension.
LOGO_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}


@require_GET
def logo(request: HttpRequest, widget_id: int) -> FileResponse:
    """The logo of the widget's library system, which the widget's page shows in its header:
    public, as the page is, and only ever as one of the image types an admin may upload."""
    widget = selectors.widget_active_get(widget_id=widget_id)
    stored = widget.system.logo if widget else None
    content_type = LOGO_TYPES.get(stored.name.rsplit(".", 1)[-1].lower()) if stored else None
    if content_type is None or not stored.storage.exists(stored.name):
        raise Http404
    response = FileResponse(stored.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # The page names the logo with its version (a new upload is a new file name), so a browser
    # may keep it for a day and a replaced logo still shows at once.
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _frame_page(request: HttpRequest, widget: Widget | None) -> HttpResponse:
    state = selectors.widget_state_get(widget_id=widget.pk) if widget else None
    if widget is None or state is None:
        return render(request, "widgets/unavailable.html", status=404)
    # A patron turned away (blocked) gets the page of an offline widget that does not follow
    # the widget's status: the status pushed to every patron of the widget is not theirs.
    held_offline = patron_turned_away(
        system_id=widget.system_id, address_hash=request_address_hash(request)
    )
    language = selectors.widget_language(
        widget=widget, accept_language=request.headers.get("Accept-Language", "")
    )
    widget = selectors.widget_in_language(widget=widget, language=language)
    with translation.override(language):
        asks = [
            ("name", translation.gettext("Your name"), "text", "name", widget.ask_name),
            ("email", translation.gettext("Your email"), "email", "email", widget.ask_email),
        ]
        response = render(
            request,
            "widgets/frame.html",
            {
                "widget": widget,
                "online": state.online and not held_offline,
                "follow_status": not held_offline,
                "away": state.away and not held_offline,
                "opens_at": "" if held_offline else state.opens_at,
                "asks": [a for a in asks if a[4] != Widget.Ask.OFF],
                "Ask": Widget.Ask,
                "origins": list(state.origins),
                "message_max_chars": MESSAGE_MAX_CHARS,
                "catalog_version": catalog_version(),
            },
        )
    response["Content-Language"] = language
    if widget.language == Widget.FOLLOW_BROWSER:
        patch_vary_headers(response, ["Accept-Language"])
    # The site's policy (libchat.middleware), but framed only by the widget's allowed origins;
    # django-csp reads a view's replacements from this attribute (what csp_replace sets).
    response._csp_replace = {"frame-ancestors": list(state.origins) or [csp.NONE]}
    # The patron shares their screen from inside the iframe (the embedding page's iframe carries
    # allow="display-capture"); this page must not take that back.
    response["Permissions-Policy"] = "display-capture=(self)"
    patch_cache_control(response, no_cache=True, private=True)
    return response


@require_GET
def catalog(request: HttpRequest, language: str) -> HttpResponse:
    """The widget's JavaScript texts in one shipped language (Django's JavaScriptCatalog), as a
    script the page loads from this site: the policy allows no inline script. Its URL names the
    language, so it is cached like any static file."""
    if language not in shipped_languages():
        return _not_found()
    with translation.override(language):
        response = JavaScriptCatalog.as_view(domain="djangojs")(request)
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=3600)
    return response
