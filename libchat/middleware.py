"""No page of ours may be framed, except the ones made to be (the widget iframe).

Adds `Content-Security-Policy: frame-ancestors 'none'` next to X-Frame-Options DENY. A view that
is meant to be framed marks itself with `xframe_options_exempt` (which also lifts
X-Frame-Options) and sends its own `frame-ancestors`.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

CSP = "Content-Security-Policy"


def frame_ancestors_none(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if getattr(response, "xframe_options_exempt", False):
            return response
        policy = response.get(CSP, "")
        if "frame-ancestors" not in policy:
            response[CSP] = "; ".join(filter(None, [policy, "frame-ancestors 'none'"]))
        return response

    return middleware
