"""HTTP for patron chats. The patron's side: starting a chat from the pre-chat form, leaving
an offline ticket, downloading a file by its link. The staff side: sending a file into a chat,
the Transcripts and Tickets lists.

No cookie, no session and so no CSRF token (third-party cookies may be blocked in the iframe):
the answer carries the chat's token, which the page keeps in sessionStorage.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chats import exports, selectors, services
from chats.errors import ChatClosed, ChatError, ChatInvalid, ChatUnavailable, WidgetOffline
from chats.filters import COMMENTS, OUTCOMES, RATINGS, transcript_filters_parse
from chats.models import OfflineTicket
from libchat.core.addresses import request_address_hash
from libchat.core.decorators import operator_required, refused
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.core.queries import QueryRefused
from libchat.core.ratelimit import rate_limit_hit
from libchat.core.refusals import Refusal, refusal_response
from libchat.core.richtext import body_sanitise
from libchat.core.uploads import file_download, file_send_arguments
from systems import selectors as system_selectors
from systems.models import System
from widgets.models import Widget
from widgets.selectors import widget_in_language, widget_language


def _too_many(request: HttpRequest) -> JsonResponse | None:
    """429 once this IP has started too many chats or tickets in the window; counted by the
    address's keyed hash, so no cache key holds the address."""
    if rate_limit_hit(
        key=f"start:{request_address_hash(request)}",
        limit=settings.LIBCHAT_CHAT_STARTS_PER_IP,
        seconds=settings.LIBCHAT_CHAT_STARTS_WINDOW_SECONDS,
    ):
        return JsonResponse(
            {
                "error": "rate_limited",
                "message": translation.gettext("Too many requests. Try again in a few minutes."),
            },
            status=429,
        )
    return None


def _from_widget_form(
    request: HttpRequest, widget_id: int, create, answer, **context: str
) -> JsonResponse:
    """Run `create(widget=..., name=..., email=..., question=..., **context)` on the widget's
    form: 429 when this IP asked too often, 403 when the patron may not (a block, in words that
    do not say so), 400 with each field's error, 409 when the widget is offline (with its
    offline behaviour), else 201 with `answer(result)`. All of it in the
    language the widget speaks to this patron (active while `create` runs)."""
    widget = get_object_or_404(Widget, pk=widget_id)
    language = widget_language(
        widget=widget, accept_language=request.headers.get("Accept-Language", "")
    )
    with translation.override(language):
        # Its offline message, in a refusal, as the admin wrote it for this language.
        shown = widget_in_language(widget=widget, language=language)
        return _widget_form_answer(request, shown, create, answer, **context)


def _widget_form_answer(
    request: HttpRequest, widget: Widget, create, answer, **context: str
) -> JsonResponse:
    if refused := _too_many(request):
        return refused
    # A NUL character cannot be stored (PostgreSQL refuses it in text) and no person types one.
    fields = {
        name: value.replace("\x00", "")
        for name, value in {
            "name": request.POST.get("name", ""),
            "email": request.POST.get("email", ""),
            "question": request.POST.get("question", ""),
            **context,
        }.items()
    }
    try:
        result = create(widget=widget, **fields)
    except ValidationError as error:
        return JsonResponse({"error": "invalid", "errors": error.message_dict}, status=400)
    except ChatUnavailable as refusal:
        return JsonResponse({"error": refusal.code, "message": refusal.message}, status=403)
    except WidgetOffline as error:
        body = {"error": error.code, "message": error.message}
        return JsonResponse({**body, "offline_behaviour": widget.offline_behaviour}, status=409)
    return JsonResponse(answer(result), status=201)


@csrf_exempt
@never_cache
@require_POST
def chat_start(request: HttpRequest, widget_id: int) -> JsonResponse:
    """The pre-chat form, with what the widget knows of where the patron is: the library page
    (`page`, sent only when the widget is set to) and the patron id its pages keep (`patron`)."""
    return _from_widget_form(
        request,
        widget_id,
        # The chat keeps the language its patron reads, for what LibChat tells them later.
        lambda **answers: services.chat_start(language=translation.get_language(), **answers),
        lambda started: {"token": started[1], "chat_id": started[0].pk},
        page_url=request.POST.get("page", ""),
        patron_ref=request.POST.get("patron", ""),
        user_agent=request.headers.get("User-Agent", ""),
        address_hash=request_address_hash(request),
    )


@csrf_exempt
@never_cache
@require_POST
def ticket_create(request: HttpRequest, widget_id: int) -> JsonResponse:
    """The offline form: the question is kept as a ticket and answered by email. The patron id
    the library's pages keep (`patron`) is only checked against blocks, not kept."""
    return _from_widget_form(
        request,
        widget_id,
        services.ticket_create,
        lambda ticket: {"message": translation.gettext("Thank you. We will answer by email.")},
        address_hash=request_address_hash(request),
        patron_ref=request.POST.get("patron", ""),
    )


def _without_page(request: HttpRequest) -> str:
    """The list's query string (search, filters) for its page links to carry on."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@csrf_exempt  # read-only: any other method is a 405, not a CSRF 403
@require_GET
def chat_file(request: HttpRequest, key: str) -> FileResponse:
    """A file sent in a chat, for whoever holds its link: the patron has no session, so the
    unguessable key in the URL is the credential (operators see the same link)."""
    attachment = selectors.attachment_by_key(key=key)
    if attachment is None:
        raise Http404(gettext("No such file."))
    return file_download(
        file=attachment.file, name=attachment.original_name, content_type=attachment.content_type
    )


@require_POST
@operator_required
def chat_file_send(request: HttpRequest, chat_id: int) -> JsonResponse:
    """The claimant sends a file into an active chat, as a message of its own."""
    try:
        chat = selectors.chat_for_operator(operator=request.user, chat_id=chat_id)
        message = services.message_send(
            chat=chat, operator=request.user, **file_send_arguments(request)
        )
    except ChatError as error:
        return refusal_response(error, status=409 if isinstance(error, ChatClosed) else 403)
    except Refusal as refusal:
        return refusal_response(refusal)
    return JsonResponse({"message_id": message.number}, status=201)


@require_POST
@operator_required
def patron_block(request: HttpRequest, chat_id: int) -> JsonResponse:
    """Block this chat's patron (`duration`: one of BLOCK_DURATIONS, `reason`) and end the chat:
    201 with what the pane says, 400 with why not, 404 for a chat this operator may not see."""
    chat = selectors.chat_visible_for(operator=request.user, chat_id=chat_id)
    if chat is None:
        return JsonResponse(
            {"code": "not_found", "message": gettext("No such chat, or not one you may see.")},
            status=404,
        )
    try:
        block = services.patron_block(
            chat=chat,
            operator=request.user,
            duration=request.POST.get("duration", ""),
            reason=request.POST.get("reason", ""),
        )
    except ChatInvalid as refusal:
        return refusal_response(refusal)
    said = (
        gettext("Patron blocked until %(when)s. The chat has ended.")
        % {"when": date_format(timezone.localtime(block.expires_at), "DATETIME_FORMAT")}
        if block.expires_at
        else gettext("Patron blocked until an admin lifts the block. The chat has ended.")
    )
    return JsonResponse(
        {"block_id": block.pk, "message": said},
        status=201,
    )


@require_GET
@operator_required
def transcripts(request: HttpRequest) -> HttpResponse:
    """Ended chats, filtered (date range, widget, department, operator, tag, rating, comment,
    answered or missed) and searched, a page at a time; the same filters export as CSV."""
    try:
        filters = transcript_filters_parse(request.GET)
    except QueryRefused as refusal:
        return refused(request, str(refusal), 400)
    page = selectors.transcripts_for(
        operator=request.user, filters=filters, page=request.GET.get("page")
    )
    query = _without_page(request)
    context = {
        "tab": "chats",
        "chats": page.object_list,
        "page": page,
        "page_query": query,
        "filters": filters,
        "choices": selectors.chat_filter_choices(operator=request.user),
        "ratings": RATINGS,
        "comments": COMMENTS,
        "outcomes": OUTCOMES,
        "export_url": f"{reverse('chats:transcripts_export')}?{query}",
    }
    return render(request, "chats/transcripts.html", context)


@require_GET
@operator_required
def transcripts_export(request: HttpRequest) -> HttpResponse:
    """The filtered Transcripts list, every chat of it, as CSV: streamed a chunk at a time."""
    try:
        filters = transcript_filters_parse(request.GET)
    except QueryRefused as refusal:
        return refused(request, str(refusal), 400)
    chunks = selectors.transcripts_in_chunks(operator=request.user, filters=filters)

    def transcript_url(chat):
        return request.build_absolute_uri(reverse("chats:transcript", args=[chat.pk]))

    response = StreamingHttpResponse(
        exports.csv_lines(chunks, transcript_url, language=translation.get_language()),
        content_type="text/csv; charset=utf-8",
    )
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="libchat-transcripts-{day}.csv"'
    return response


@require_GET
@operator_required
def transcript(request: HttpRequest, chat_id: int) -> HttpResponse:
    chat = selectors.transcript_for(operator=request.user, chat_id=chat_id)
    if chat is None:
        raise Http404(gettext("No such transcript."))
    messages = [
        {**message, "sent_at": parse_datetime(message["created_at"])}
        for message in selectors.chat_messages(chat_id=chat.pk)
    ]
    context = {
        "tab": "chats",
        "chat": chat,
        "messages": messages,
        "times": chat.times_so_far(chat.ended_at),
        "tags": _tag_choices(chat),
    }
    return render(request, "chats/transcript.html", context)


def _tag_choices(chat) -> list[dict]:
    """The tags the chat may carry (those offered, and any it kept that are no longer), each
    with whether it has it."""
    has = {tag.pk for tag in chat.tag_list}
    offered = selectors.tags_offered()
    kept = [tag for tag in chat.tag_list if tag.pk not in {t.pk for t in offered}]
    return [{"tag": tag, "on": tag.pk in has} for tag in [*offered, *kept]]


@require_POST
@operator_required
def transcript_email(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Email the transcript, to the patron's address or another one, then back to it."""
    chat = selectors.transcript_for(operator=request.user, chat_id=chat_id)
    if chat is None:
        return refused(request, gettext("No such transcript."), 404)
    try:
        record = services.chat_transcript_email(
            chat=chat, base_url=_site(request), operator=request.user, to=request.POST.get("to", "")
        )
    except ChatInvalid as refusal:
        messages.error(request, gettext("Not sent: %(why)s") % {"why": refusal.message})
    else:
        messages.success(request, gettext("Sending the transcript to %(to)s.") % {"to": record.to})
    return redirect(f"{reverse('chats:transcript', args=[chat.pk])}#transcript-emails")


@require_GET
@operator_required
def transcript_text(request: HttpRequest, chat_id: int) -> HttpResponse:
    """A transcript as a plain-text file to keep or forward."""
    chat = selectors.transcript_for(operator=request.user, chat_id=chat_id)
    if chat is None:
        raise Http404(gettext("No such transcript."))
    messages = selectors.chat_messages(chat_id=chat.pk)
    text = exports.transcript_text(chat, messages, _site(request))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="libchat-chat-{chat.pk}.txt"'
    return response


@require_http_methods(["GET", "POST"])
@operator_required
def chat_tags(request: HttpRequest, chat_id: int) -> JsonResponse:
    """A chat's tags, read (GET) or one put on or taken off (POST "tag" with "on" 1 or 0), by an
    operator who may read its record: in the console during the chat, on its transcript after.
    The answer is the chat's tags as they now are."""
    chat = selectors.chat_readable_by(operator=request.user, chat_id=chat_id)
    if chat is None:
        message = "No such chat, or not one you may see."
        return JsonResponse({"code": "unknown_chat", "message": message}, status=404)
    if request.method == "POST":
        tag, on = request.POST.get("tag", ""), request.POST.get("on")
        if not tag.isdigit() or on not in {"0", "1"}:
            message = "Say which tag (its id) and whether to put it on (1) or take it off (0)."
            return JsonResponse({"code": "invalid", "message": message}, status=400)
        try:
            tags = services.chat_tag_set(chat=chat, tag_id=int(tag), on=on == "1")
        except ChatInvalid as refusal:
            return refusal_response(refusal)
    else:
        tags = selectors.chat_tags(chat=chat)
    return JsonResponse({"tags": [{"id": t.pk, "name": t.name} for t in tags]})


@require_GET
@operator_required
def patron_record(request: HttpRequest, chat_id: int) -> HttpResponse:
    """The console's patron panel for one chat, as an HTML fragment: where the chat came from,
    who held it, its times so far, and the patron's earlier chats and tickets. 404 for a chat
    this operator may not read (as for transcripts), so ids cannot be probed."""
    record = selectors.patron_record(operator=request.user, chat_id=chat_id)
    if record is None:
        return HttpResponse(
            format_html('<p role="alert">{}</p>', "No such chat, or not one you may see."),
            status=404,
        )
    times = record.chat.times_so_far(timezone.now())
    # The console shows the pre-chat answers itself, at once; the fragment adds the rest.
    in_console = request.GET.get("in") == "console"
    context = {"record": record, "times": times, "in_console": in_console}
    home_system_id = record.chat.widget.system_id
    if home_system_id != request.user.system_id:
        # Another library's patron (a co-op chat): its name and its notes for the co-op.
        context["home_system"] = System.objects.get(pk=home_system_id)
        context["home_notes"] = system_selectors.coop_notes_for(
            home_system_id=home_system_id, reader_system_id=request.user.system_id
        )
    return render(request, "chats/patron_record.html", context)


@require_GET
@operator_required
def tickets(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    status = request.GET.get("status", "open")
    page = selectors.tickets_for(
        operator=request.user, query=query, status=status, page=request.GET.get("page")
    )
    return render(
        request,
        "chats/tickets.html",
        {
            "tab": "chats",
            "tickets": page.object_list,
            "page": page,
            "page_query": _without_page(request),
            "query": query,
            "status": status if status in selectors.TICKET_STATUSES else "all",
        },
    )


@never_cache
@require_GET
@operator_required
def tickets_open(request: HttpRequest) -> JsonResponse:
    """The header's and the console's count of open tickets, asked again when a dashboard hears
    that its widgets' tickets changed."""
    return JsonResponse({"open": selectors.tickets_open_count(operator=request.user)})


@require_GET
@operator_required
def ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    return _ticket_page(request, ticket_id)


def _ticket_page(request, ticket_id: int, *, draft: str = "", error: str = "", status: int = 200):
    """A ticket with its thread and the reply box; after a refusal, the text kept in the box."""
    ticket = selectors.ticket_thread(operator=request.user, ticket_id=ticket_id)
    if ticket is None:
        return refused(request, gettext("No such ticket, or it is not one of your widgets'."), 404)
    context = {
        "tab": "chats",
        "ticket": ticket,
        "draft": draft,
        "error": error,
        "reply_max_chars": MESSAGE_MAX_CHARS,
    }
    return render(request, "chats/ticket.html", context, status=status)


@require_POST
@operator_required
def ticket_reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Send Answer (emailed to the patron) or Add note (staff only), then back to the thread."""
    ticket = selectors.ticket_for(operator=request.user, ticket_id=ticket_id)
    if ticket is None:
        return refused(request, gettext("No such ticket, or it is not one of your widgets'."), 404)
    body, kind = request.POST.get("body", ""), request.POST.get("kind", "")
    try:
        reply = services.ticket_reply_add(
            ticket=ticket, operator=request.user, body=body, kind=kind, base_url=_site(request)
        )
    except ChatInvalid as refusal:
        # Back in the editor as the server would keep it: sanitised, since the page puts it in.
        draft = body_sanitise(body)
        return _ticket_page(request, ticket_id, draft=draft, error=refusal.message, status=400)
    if reply.kind == reply.Kind.ANSWER:
        messages.success(
            request,
            gettext("Answer sent to %(email)s; the ticket is answered.") % {"email": ticket.email},
        )
    else:
        messages.success(request, gettext("Note added. Patrons never see notes."))
    return redirect(f"{reverse('chats:ticket', args=[ticket.pk])}#reply-{reply.pk}")


@require_POST
@operator_required
def ticket_reply_retry(request: HttpRequest, ticket_id: int, reply_id: int) -> HttpResponse:
    """Send a failed answer's email again."""
    ticket = selectors.ticket_thread(operator=request.user, ticket_id=ticket_id)
    reply = next((r for r in ticket.thread if r.pk == reply_id), None) if ticket else None
    if reply is None:
        return refused(
            request, gettext("No such answer, or not one of your widgets' tickets."), 404
        )
    if services.ticket_answer_retry(reply=reply, base_url=_site(request)):
        messages.success(
            request, gettext("Sending the answer to %(email)s again.") % {"email": ticket.email}
        )
    else:
        messages.info(
            request, gettext("That answer is not waiting for a retry: it was sent, or is sending.")
        )
    return redirect(f"{reverse('chats:ticket', args=[ticket.pk])}#reply-{reply.pk}")


def _site(request: HttpRequest) -> str:
    """This site's address as the patron reaches it (for links in mail), with no final slash."""
    return request.build_absolute_uri("/")[:-1]


@require_http_methods(["GET", "POST"])
@operator_required
def chat_follow_up(request: HttpRequest, chat_id: int) -> HttpResponse:
    """Follow up a chat with a ticket (during it or after): what is left to answer, and who is
    to answer it. Then the new ticket's page."""
    chat = selectors.chat_readable_by(operator=request.user, chat_id=chat_id)
    if chat is None:
        return refused(request, gettext("No such chat, or not one you may see."), 404)
    departments = selectors.follow_up_departments(system_id=request.user.system_id)
    note, assign, error = request.POST.get("note", ""), request.POST.get("assign", "me"), ""
    if request.method == "POST":
        department = next((d for d in departments if f"d{d.pk}" == assign), None)
        if assign not in {"me", "widget"} and department is None:
            error = "Choose who is to answer the follow-up."
        else:
            try:
                ticket = services.ticket_follow_up(
                    chat=chat,
                    operator=request.user,
                    note=note,
                    assigned_to=request.user if assign == "me" else None,
                    assigned_department=department,
                )
            except ChatInvalid as refusal:
                error = refusal.message
            else:
                messages.success(
                    request,
                    gettext("Follow-up ticket made for %(email)s.") % {"email": ticket.email},
                )
                return redirect("chats:ticket", ticket_id=ticket.pk)
    context = {
        "tab": "chats",
        "chat": chat,
        "department_choices": [(f"d{d.pk}", d.name) for d in departments],
        "note": note,
        "assign": assign,
        "error": error,
        "reply_max_chars": MESSAGE_MAX_CHARS,
    }
    return render(request, "chats/follow_up.html", context, status=400 if error else 200)


@require_POST
@operator_required
def ticket_answered(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Mark answered ("answered=1") or open again ("answered=0"), then back to the list as it
    was (`list_query`: its search, status and page)."""
    ticket = selectors.ticket_for(operator=request.user, ticket_id=ticket_id)
    if ticket is None:
        return refused(request, gettext("No such ticket, or it is not one of your widgets'."), 404)
    if request.POST.get("answered") not in {"0", "1"}:
        return refused(request, gettext("Say whether the ticket is answered."), 400)
    answered = request.POST["answered"] == "1"
    changed = services.ticket_answered_set(ticket=ticket, operator=request.user, answered=answered)
    back = QueryDict(request.POST.get("list_query", "")).urlencode()
    _ticket_outcome_tell(request, ticket=ticket, answered=answered, changed=changed, back=back)
    return redirect(f"{reverse('chats:tickets')}?{back}")


def _ticket_outcome_tell(
    request: HttpRequest, *, ticket: OfflineTicket, answered: bool, changed: bool, back: str
) -> None:
    """The row leaves the list it was in, so a message says what happened, with a way back."""
    if not changed:
        if answered:  # marked by someone else first: say who
            if ticket.answered_by_id == request.user.pk:
                said = gettext("You had already marked it answered.")
            else:
                said = gettext("%(who)s had already marked it answered.") % {
                    "who": ticket.answered_by or gettext("Someone")
                }
            messages.info(request, said)
        else:
            messages.info(
                request,
                gettext("The ticket from %(email)s was already open.") % {"email": ticket.email},
            )
        return
    if not answered:
        messages.success(
            request, gettext("Reopened the ticket from %(email)s.") % {"email": ticket.email}
        )
        return
    undo = format_html(
        '<form method="post" action="{}" class="inline">{}'
        '<input type="hidden" name="answered" value="0">'
        '<input type="hidden" name="list_query" value="{}">'
        '<button type="submit" aria-label="{}">{}</button></form>',
        reverse("chats:ticket_answered", args=[ticket.pk]),
        csrf_input(request),
        back,
        gettext("Reopen the ticket from %(email)s") % {"email": ticket.email},
        gettext("Reopen"),
    )
    marked = gettext("Marked the ticket from %(email)s answered.") % {"email": ticket.email}
    messages.success(request, format_html("{} {}", marked, undo))
