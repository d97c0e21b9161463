"""Who may use the dashboard: logged-in, active LibChat operators."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render


def refused(request, message: str, status: int, *, closing: str = ""):
    """The page that says why a request was refused, with its HTTP status. It leads back to the
    dashboard, or for someone without an account (a meeting guest) ends on `closing`."""
    context = {"message": message, "closing": closing}
    return render(request, "accounts/refused.html", context, status=status)


def operator_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_operator:
            message = "This account is not a LibChat operator. Ask an admin to make it one."
            return refused(request, message, 403)
        return view(request, *args, **kwargs)

    return wrapper
