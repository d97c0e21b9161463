"""The Content-Security-Policy of every page (settings.CONTENT_SECURITY_POLICY, django-csp), with
this site's own socket origin in connect-src; the language of staff pages.

No page of ours may be framed (frame-ancestors 'none', next to X-Frame-Options DENY) except the
ones made to be: the widget's pages replace frame-ancestors with the widget's allowed origins.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation
from django.utils.cache import patch_vary_headers

from accounts.selectors import operator_language


class ContentSecurityPolicy(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not response.get("Content-Type", "").startswith("text/html"):
            return parts  # only a page opens sockets (and the status API's fast path agrees)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        # 'self' covers ws: and wss: in CSP 3 browsers only; older ones need the origin named.
        socket_origin = f"{'wss' if request.is_secure() else 'ws'}://{host}"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), socket_origin]
        parts.update = update
        return parts


# Staff pages (and the sign-in page before them); everything else, the admin and the patron's
# widget above all, keeps the site's language unless its view chooses one.
STAFF_PATH_PREFIXES = ("/dashboard/", "/libchat/", "/accounts/", "/meetings/", "/chats/", "/faqs/")


class StaffLanguage:
    """Staff pages speak the operator's language (Settings, or their browser's); the Django admin
    stays in LANGUAGE_CODE, since its app labels, help texts and LibChat's admin screens are not
    translated and a half-translated admin reads worse than an English one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # Overridden for this request alone, then given back: a thread serves many requests (and
        # a test many services), and the next must not inherit this operator's language.
        if not request.path.startswith(STAFF_PATH_PREFIXES):
            with translation.override(settings.LANGUAGE_CODE):
                return self.get_response(request)
        user = request.user if request.user.is_authenticated else None
        language = operator_language(
            operator=user, accept_language=request.headers.get("Accept-Language", "")
        )
        request.LANGUAGE_CODE = language
        with translation.override(language):
            response = self.get_response(request)
        if user is None or user.language == user.FOLLOW_BROWSER:
            patch_vary_headers(response, ["Accept-Language"])
        response.headers.setdefault("Content-Language", language)
        return response
