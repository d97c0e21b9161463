"""The Content-Security-Policy of every page (settings.CONTENT_SECURITY_POLICY, django-csp), with
this site's own socket origin in connect-src.

No page of ours may be framed (frame-ancestors 'none', next to X-Frame-Options DENY) except the
ones made to be: the widget's pages replace frame-ancestors with the widget's allowed origins.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


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
