"""The Reports tab and the JSON of its figures: only for holders of "View reports"."""

from dataclasses import replace
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from libchat.core.decorators import refused
from libchat.core.queries import QueryRefused
from reports import coop, selectors
from reports.filters import ReportFilters, filters_parse
from reports.models import VIEW_REPORTS
from systems.models import System
from systems.selectors import several_systems

# The page's figures in order: what each shows and the question it answers (README "Reports").
FIGURES = [
    {
        "id": "volume",
        "title": _("Chats"),
        "question": _(
            "How many chats were answered and missed, and how many offline tickets came in?"
        ),
        "chart": True,
    },
    {
        "id": "heatmap",
        "title": _("When chats start"),
        "question": _(
            "On which weekdays and at which hours do patrons ask? (bigger dots: more chats)"
        ),
        "chart": True,
    },
    {
        "id": "waits",
        "title": _("Wait and first response"),
        "question": _(
            "How long did patrons wait for a librarian, and for the first answer? "
            "(per day, in minutes: the median and the 90th percentile)"
        ),
        "chart": True,
    },
    {
        "id": "answered_within",
        "title": _("Answered within"),
        "question": _("What share of chats had an answer within 1, 2 and 5 minutes?"),
        "chart": True,
    },
    {
        "id": "handling",
        "title": _("Handling time"),
        "question": _("How long were chats in hand, from the first claim to the end?"),
        "chart": True,
    },
    {
        "id": "ratings",
        "title": _("Ratings"),
        "question": _("How did patrons rate their chats?"),
        "chart": True,
    },
    {
        "id": "rating_over_time",
        "title": _("Average rating"),
        "question": _("Is the average rating going up or down?"),
        "chart": True,
    },
    {
        "id": "tags",
        "title": _("Kinds of question"),
        "question": _(
            "How many chats did operators tag with each kind of question? "
            "(a chat with two tags counts for both; the READ scale's levels when they are used)"
        ),
        "chart": True,
    },
    {
        "id": "coverage",
        "title": _("Hours signed in"),
        "question": _(
            "How many hours was each operator signed in to LibChat, and how many Online?"
        ),
        "chart": True,
    },
    {
        "id": "widget_hours",
        "title": _("Hours online"),
        "question": _("How many hours was each widget online, with someone able to answer it?"),
        "chart": True,
    },
    {
        "id": "widget_hours_by_hour",
        "title": _("When widgets are online"),
        "question": _(
            "At which weekdays and hours were the widgets online? "
            "(hours online, summed over the widgets; bigger dots: more hours)"
        ),
        "chart": True,
    },
    {
        "id": "operators",
        "title": _("Operators"),
        "question": _("Who took part in how many chats, how fast, and how were they rated?"),
        "chart": False,
    },
    {
        "id": "departments",
        "title": _("Departments"),
        "question": _("How did each department's chats go?"),
        "chart": False,
    },
    {
        "id": "widgets",
        "title": _("Widgets"),
        "question": _("How did each widget's chats go?"),
        "chart": False,
    },
    {
        "id": "comments",
        "title": _("Comments"),
        "question": _(
            "What did patrons write with their rating? (newest first, each opens its transcript)"
        ),
        "chart": False,
    },
]
REFUSED = _('Reports need the "View reports" permission. Ask a LibChat admin to give it to you.')


def reports_required(*, json: bool):
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if json:
                    return JsonResponse({"error": gettext("Log in first.")}, status=401)
                return redirect_to_login(request.get_full_path())
            if not request.user.has_perm(VIEW_REPORTS):
                if json:
                    return JsonResponse({"error": REFUSED}, status=403)
                return refused(request, REFUSED, 403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _system_scoped(request: HttpRequest, filters: ReportFilters) -> ReportFilters:
    """On a server of several library systems, a superuser reports on any one or all of them,
    anyone else on their own system only. A single library's reports name no system."""
    if request.user.is_superuser:
        return filters
    return replace(filters, system_id=request.user.system_id if several_systems() else None)


@require_GET
@reports_required(json=False)
def reports_tab(request: HttpRequest) -> HttpResponse:
    try:
        filters = _system_scoped(request, filters_parse(request.GET))
    except QueryRefused as exc:
        return refused(request, str(exc), 400)
    superuser = request.user.is_superuser
    # A reader's system is set in the filters exactly when the server holds several.
    several = several_systems() if superuser else filters.system_id is not None
    systems = list(System.objects.values("pk", "name")) if superuser and several else []
    coops = coop.coops_for(user=request.user, several=several)
    context = {
        "tab": "reports",
        "filters": filters,
        "systems": systems,
        "grains": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        "choices": selectors.filter_choices(system_id=filters.system_id),
        "coops": coops,
        "figures": [*FIGURES, coop.FIGURE] if coops else FIGURES,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "reports/reports.html", context)


@never_cache
@require_GET
@reports_required(json=True)
def report_data(request: HttpRequest) -> JsonResponse:
    try:
        filters = _system_scoped(request, filters_parse(request.GET))
    except QueryRefused as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    figures = selectors.report_figures(filters)
    # Only a page that shows the Co-op section asks for it, so no other reader pays its query;
    # a reader who is no superuser is held to the pairs of their own system.
    if request.GET.get("with") == "coop" and (request.user.is_superuser or filters.system_id):
        figures["coop"] = coop.coop_answers(filters)
    return JsonResponse(figures)
