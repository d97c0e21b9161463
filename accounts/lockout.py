"""Log-in throttling (django-axes, configured in settings): the address failures are counted by,
and the login page a locked-out person sees.

Failures are counted per username and address, so a stranger elsewhere cannot lock a librarian
out of their own desk. Like patrons' addresses (see DESIGN), the address is never stored raw:
axes keeps a keyed hash of it, shaped as an IPv6 address because its field holds addresses.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from libchat.core.addresses import address_digest


def login_address(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: the same stand-in for the same address while SECRET_KEY lasts."""
    digest = address_digest(request.META.get("REMOTE_ADDR", ""), salt="libchat.login-address")
    return str(ipaddress.IPv6Address(digest[:16]))


def login_locked_out(request: HttpRequest, *_: object) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page again, saying why and for how long (429). Axes
    passes the refused response and credentials too, in an order that depends on the handler
    being async; neither is needed here."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = (
        f"Too many failed log-in attempts. Try again in {minutes} minutes, "
        "or ask a LibChat admin to unlock your account."
    )
    context = {"form": form, "next": request.POST.get("next", ""), "locked_out": message}
    return render(request, "registration/login.html", context, status=429)
