"""LibChat sign-in, status and sign-out: HTTP glue over accounts.services."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import selectors, services
from libchat.core.decorators import operator_required, refused


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("dashboard:chats")


def browser_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return selectors.browser_key_for(request.session.session_key)


def _elsewhere(request: HttpRequest, status: int) -> HttpResponse:
    return render(
        request, "accounts/signed_in_elsewhere.html", {"next": _next_url(request)}, status=status
    )


@require_POST
@operator_required
def sign_in(request: HttpRequest) -> HttpResponse:
    try:
        services.libchat_sign_in(
            operator=request.user,
            browser_key=browser_key(request),
            end_other=request.POST.get("end_other") == "1",
        )
    except services.SignedInElsewhere:
        return _elsewhere(request, status=409)
    except PermissionDenied as exc:
        return refused(request, str(exc), 403)
    return redirect(_next_url(request))


@require_GET
@operator_required
def go_chat(request: HttpRequest) -> HttpResponse:
    session = selectors.active_session(operator=request.user)
    if session is not None and session.browser_key != browser_key(request):
        return _elsewhere(request, status=200)
    return redirect("dashboard:chats")


@require_POST
@operator_required
def status_set(request: HttpRequest) -> HttpResponse:
    try:
        services.operator_status_set(
            operator=request.user,
            status=request.POST.get("status", ""),
            browser_key=browser_key(request),
        )
    except services.StatusRefused as exc:
        return refused(request, exc.message, 400)
    except services.NotSignedIn as exc:
        return refused(request, exc.message, 409)
    except services.NotSignedInHere:
        return _elsewhere(request, status=409)
    return redirect(_next_url(request))


@require_http_methods(["GET", "POST"])
@operator_required
def sign_out(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "accounts/sign_out_confirm.html", {"next": _next_url(request)})
    services.libchat_sign_out(operator=request.user)
    return redirect(_next_url(request))
