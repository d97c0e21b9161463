"""Reads of patron chats: who may answer them, the queue, and what the two sides are shown.

Everything returned here is evaluated (lists, dicts, sets), so async consumers may call it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from accounts.models import Operator
from accounts.selectors import operator_takes_chats, operators_taking_chats
from chats.errors import ChatAccessDenied, ChatNotFound
from chats.filters import TranscriptFilters
from chats.lines import LINES
from chats.models import (
    ChatEvent,
    ChatParticipant,
    ChatTag,
    OfflineTicket,
    PatronAttachment,
    PatronBlock,
    PatronChat,
    PatronMessage,
    TicketReply,
    TranscriptEmail,
    TransferOffer,
)
from departments.models import Department
from departments.selectors import monitored_department_ids_subquery
from libchat.core.richtext import links_add, text_as_html, text_normalise
from libchat.core.tokens import secret_hash
from widgets.models import Widget
from widgets.selectors import (
    operators_answering,
    widget_answerer_ids,
    widget_ids_answerable_by,
    widgets_of_coops_monitored_by,
)

PREVIEW_CHARS = 140


def chat_answerer_ids(*, chat: PatronChat) -> set[int]:
    """Who may claim, read and answer this chat: a transferred chat belongs to its department."""
    if chat.department_id:
        return operators_answering(operator_ids=set(), department_ids={chat.department_id})
    return widget_answerer_ids(widget=chat.widget)


def operator_can_answer(*, operator: Operator, chat: PatronChat) -> bool:
    return operator.pk in chat_answerer_ids(chat=chat)


def queue_of(chat: PatronChat) -> dict[str, int | None]:
    """The line a waiting chat stands in: its department's once transferred there, else its
    widget's. Chats of several widgets transferred to one department share that line."""
    if chat.department_id:
        return {"widget_id": None, "department_id": chat.department_id}
    return {"widget_id": chat.widget_id, "department_id": None}


def _queue(*, widget_id: int | None, department_id: int | None) -> QuerySet:
    waiting = PatronChat.objects.filter(state=PatronChat.State.WAITING)
    if department_id:
        return waiting.filter(department_id=department_id)
    return waiting.filter(widget_id=widget_id, department__isnull=True)


def queue_positions(*, widget_id: int | None = None, department_id: int | None = None):
    """Position (1 = next) of every chat in one line, oldest queued first. One query."""
    waiting = (
        _queue(widget_id=widget_id, department_id=department_id)
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)
    )
    return {pk: position for position, pk in enumerate(waiting, start=1)}


def queue_front(*, widget_id: int | None = None, department_id: int | None = None):
    """When the first chat of the line was queued, or None for an empty line. One query."""
    first = _queue(widget_id=widget_id, department_id=department_id).aggregate(
        first=Min("queued_at")
    )
    return first["first"]


def queue_position(*, chat: PatronChat) -> int | None:
    if chat.state != PatronChat.State.WAITING:
        return None
    return queue_positions(**queue_of(chat)).get(chat.pk)


def attachment_key(attachment: PatronAttachment) -> str:
    """The secret in the attachment's download URL; only its SHA-256 is stored.

    A new file's key comes from SECRET_KEY. After the key is rotated, an older file's link is
    made again with whichever of SECRET_KEY_FALLBACKS made it, so the history, the transcript
    and the patron's old link keep working until that fallback is removed.
    """
    keys = [
        salted_hmac(
            "chats.PatronAttachment", attachment.key_nonce, secret=secret, algorithm="sha256"
        ).hexdigest()
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]
    # A new file has no hash yet; a file from before every listed key gets a link that 404s.
    return next((key for key in keys if secret_hash(key) == attachment.key_hash), keys[0])


def attachment_by_key(*, key: str) -> PatronAttachment | None:
    return PatronAttachment.objects.filter(key_hash=secret_hash(key)).first()


def attachment_as_dict(attachment: PatronAttachment) -> dict:
    """A file as both sides show it: a link that works without a session, for the patron."""
    return {
        "name": attachment.original_name,
        "size": attachment.size,
        "is_image": attachment.is_image,
        "url": reverse("chats:file", args=[attachment_key(attachment)]),
    }


def message_as_event(
    message: PatronMessage, attachments: list[PatronAttachment] | None = None
) -> dict:
    """The message as both sides show it; its files are read from the database unless the
    caller, which has just stored them, passes them (then this costs no query)."""
    if attachments is None:
        attachments = message.attachments.all()
    # A line from LibChat itself is written out in the active language, its reader's.
    body = text_as_html(LINES.text(message.line, message.line_args)) if message.line else None
    return {
        "id": message.number,
        "sender": message.sender,
        "operator": message.operator.name if message.operator_id else None,
        "body": body or message.body,
        "client_msg_id": message.client_msg_id,
        "created_at": message.created_at.isoformat(),
        "attachments": [attachment_as_dict(a) for a in attachments],
    }


def chat_messages(*, chat_id: int, after: int = 0) -> list[dict]:
    """The chat's messages after number `after`, in order, with their files; two queries."""
    messages = (
        PatronMessage.objects.filter(chat_id=chat_id, number__gt=after)
        .select_related("operator")
        .prefetch_related("attachments")
    )
    return [message_as_event(m) for m in messages.order_by("number")]


def chat_summary(chat: PatronChat) -> dict:
    """What the dashboard shows of a chat in a list or the chat pane header."""
    question = chat.question.strip()
    return {
        "id": chat.pk,
        "widget": chat.widget.name,
        "state": chat.state,
        "name": chat.name,
        "email": chat.email,
        "question": question,
        "language": chat.language,  # the patron's widget's: what they write is marked with it
        "preview": question[:PREVIEW_CHARS] + ("…" if len(question) > PREVIEW_CHARS else ""),
        "created_at": chat.created_at.isoformat(),
        "queued_at": chat.queued_at.isoformat(),
        "claimed_by": chat.claimed_by.name if chat.claimed_by_id else None,
        "note": chat.internal_note,  # staff only: never in a frame to the patron
    }


def patron_state(*, chat: PatronChat) -> dict:
    """What the patron's page needs after (re)connecting."""
    return {
        "state": chat.state,
        "position": queue_position(chat=chat),
        "operator": chat.claimed_by.name if chat.claimed_by_id else None,
        "has_email": bool(chat.email),
        # The page shows it first, as the patron's own line, escaped like their messages.
        "question": links_add(text_as_html(text_normalise(chat.question))),
        "question_at": chat.created_at.isoformat(),  # shown as the line's time, like any line
    }


def chats_waiting_for(*, operator: Operator) -> list[dict]:
    """Unclaimed chats this operator may take, oldest first (a co-op queue monitor's include
    the co-op's other libraries' chats); none for an operator who takes no patron chats now
    (`accounts.selectors.operators_taking_chats`)."""
    if not operator_takes_chats(operator=operator):
        return []
    answerable = Q(widget_id__in=widget_ids_answerable_by(operator=operator))
    if operator.monitors_coop:
        answerable |= Q(widget_id__in=widgets_of_coops_monitored_by(operator=operator))
    chats = (
        PatronChat.objects.filter(state=PatronChat.State.WAITING)
        .filter(
            Q(answerable, department__isnull=True)
            | Q(department_id__in=monitored_department_ids_subquery(operator=operator))
        )
        .select_related("widget", "claimed_by")
        .order_by("queued_at", "pk")
    )
    return [chat_summary(chat) for chat in chats]


def chats_open_for(*, operator: Operator) -> list[dict]:
    """The operator's claimed chats that are still open, each with its messages and whether a
    transfer of it waits for an answer: three queries however many chats (the chats, all their
    messages, all their files)."""
    offered = TransferOffer.objects.filter(
        chat=OuterRef("pk"), outcome=TransferOffer.Outcome.PENDING
    )
    chats = list(
        PatronChat.objects.filter(state=PatronChat.State.ACTIVE, claimed_by=operator)
        .annotate(offer_pending=Exists(offered))
        .select_related("widget", "claimed_by")
        .order_by("claimed_at", "pk")
    )
    messages = (
        PatronMessage.objects.filter(chat__in=[chat.pk for chat in chats])
        .select_related("operator")
        .prefetch_related("attachments")
        .order_by("chat", "number")
    )
    said: dict[int, list[dict]] = {chat.pk: [] for chat in chats}
    for message in messages if chats else []:
        said[message.chat_id].append(message_as_event(message))
    return [
        {**chat_summary(chat), "offer_pending": chat.offer_pending, "messages": said[chat.pk]}
        for chat in chats
    ]


def offer_as_event(offer: TransferOffer) -> dict:
    """A transfer offer as the receiver's console shows it: whose chat, from whom, the note,
    until when. The chat, its widget and both operators are expected selected with it."""
    question = offer.chat.question.strip()
    return {
        "id": offer.pk,
        "chat_id": offer.chat_id,
        "name": offer.chat.name,
        "preview": question[:PREVIEW_CHARS] + ("…" if len(question) > PREVIEW_CHARS else ""),
        "widget": offer.chat.widget.name,
        "from": offer.from_operator.name,
        "note": offer.note,
        "expires_at": offer.expires_at.isoformat(),
    }


def offers_open_for(*, operator: Operator) -> list[dict]:
    """The transfer offers waiting for this operator's answer, oldest first; one query."""
    offers = TransferOffer.objects.filter(
        to_operator=operator, outcome=TransferOffer.Outcome.PENDING
    ).select_related("chat__widget", "from_operator", "to_operator")
    return [offer_as_event(offer) for offer in offers.order_by("created_at", "pk")]


def transfer_targets(*, operator: Operator) -> dict:
    """Who a chat can go to: the operators of this one's system who could claim it (not this
    one; the rule of `operators_taking_chats`) and its system's active departments."""
    taking = operators_taking_chats() - {operator.pk}
    operators = Operator.objects.filter(pk__in=taking, system_id=operator.system_id)
    departments = Department.objects.filter(active=True, system_id=operator.system_id)
    return {
        "operators": [{"id": o.pk, "name": o.name} for o in operators],
        "departments": [{"id": d.pk, "name": d.name} for d in departments],
    }


RECORDS_PER_PAGE = 50


def _page(records: QuerySet, number) -> Page:
    """One page of records (an out-of-range or junk number gives the nearest page); two
    queries however many records there are: the count and the page."""
    page = Paginator(records, RECORDS_PER_PAGE).get_page(number)
    page.object_list = list(page.object_list)
    return page


def _visible_widget_ids(*, operator: Operator) -> list[int] | None:
    """Widgets whose records this operator sees; None for a superuser, who sees all. A system
    admin sees every widget of their system; another operator those they answer."""
    if operator.is_superuser:
        return None
    if operator.is_system_admin:
        return list(
            Widget.objects.filter(system_id=operator.system_id).values_list("pk", flat=True)
        )
    return widget_ids_answerable_by(operator=operator)


def _chats_visible(*, operator: Operator, widget_ids: list[int] | None = None) -> QuerySet:
    """The chats whose record this operator may read: all for a superuser; else those of the
    widgets they answer (`widget_ids`, read here unless given; a system admin's: the system's),
    those sent to a department they monitor, and those they took part in (a requeue or a
    transfer does not take that away); a system admin's, those their system's operators took
    part in."""
    if widget_ids is None:
        widget_ids = _visible_widget_ids(operator=operator)
    if widget_ids is None:
        return PatronChat.objects.all()
    took_part = ChatParticipant.objects.filter(chat=OuterRef("pk"), operator=operator)
    visible = (
        Q(widget_id__in=widget_ids)
        | Q(department_id__in=monitored_department_ids_subquery(operator=operator))
        | Q(claimed_by=operator)
        | Exists(took_part)
    )
    if operator.is_system_admin:
        # The chats their system's operators answered for another library of a co-op too.
        answered = ChatParticipant.objects.filter(
            chat=OuterRef("pk"), operator__system_id=operator.system_id
        )
        visible |= Exists(answered)
    return PatronChat.objects.filter(visible)


def _operators_who_took_part() -> Prefetch:
    """Each chat's `took_part`: its participants with their operators, in the order they
    joined; one query for a whole page of chats."""
    return Prefetch(
        "participants",
        queryset=ChatParticipant.objects.select_related("operator").order_by("joined_at", "pk"),
        to_attr="took_part",
    )


def _transcripts(*, operator: Operator, filters: TranscriptFilters) -> QuerySet:
    """Ended chats this operator may read (see `_chats_visible`), narrowed by the filters and
    searched in the pre-chat answers, the messages, the names of files sent and the staff notes
    (`internal_note` holds each one given with a transfer or at the end)."""
    chats = _chats_visible(operator=operator).filter(filters.q(), state=PatronChat.State.ENDED)
    if query := filters.query:
        # Bodies are stored as HTML, "R&D" as "R&amp;D": look for the text both as typed and
        # escaped the way it is stored.
        said = PatronMessage.objects.filter(
            Q(body__icontains=query) | Q(body__icontains=text_as_html(query)), chat=OuterRef("pk")
        )
        sent = PatronAttachment.objects.filter(
            message__chat=OuterRef("pk"), original_name__icontains=query
        )
        chats = chats.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(question__icontains=query)
            | Q(internal_note__icontains=query)
            | Exists(said)
            | Exists(sent)
        )
    return chats.select_related(
        "widget__first_department", "claimed_by", "department"
    ).prefetch_related(_operators_who_took_part(), _tags_in_order())


def _tags_in_order() -> Prefetch:
    """Each chat's `tag_list`, in the admin's order; one query for a whole page of chats."""
    return Prefetch(
        "tags", queryset=ChatTag.objects.order_by("position", "name"), to_attr="tag_list"
    )


def transcripts_for(*, operator: Operator, filters: TranscriptFilters, page=1) -> Page:
    """One page of the ended chats this operator may read and the filters let through, newest
    first, each with the operators who took part and its tags; the same few queries whatever
    the number of chats."""
    return _page(
        _transcripts(operator=operator, filters=filters).order_by("-ended_at", "-pk"), page
    )


EXPORT_CHUNK = 1000


def transcripts_in_chunks(
    *, operator: Operator, filters: TranscriptFilters, chunk: int | None = None
) -> Iterator[list[PatronChat]]:
    """The same chats as `transcripts_for`, all of them, newest first, `chunk` at a time: each
    chunk a query of its own that starts after the last chat of the one before (the order is
    ended_at then id, both fixed once a chat has ended), so an export of any size holds one chunk
    in memory and keeps no cursor or transaction open while the client reads."""
    chunk = chunk or EXPORT_CHUNK
    chats = _transcripts(operator=operator, filters=filters).order_by("-ended_at", "-pk")
    after = Q()
    while batch := list(chats.filter(after)[:chunk]):
        yield batch
        last = batch[-1]
        after = Q(ended_at__lt=last.ended_at) | Q(ended_at=last.ended_at, pk__lt=last.pk)
        if len(batch) < chunk:
            return


def _chat_with_record(chats: QuerySet, chat_id: int) -> PatronChat | None:
    """The chat with its `took_part` and its `record` (the holders' history, oldest first)."""
    history = ChatEvent.objects.select_related("operator", "to_operator", "to_department")
    return (
        chats.filter(pk=chat_id)
        .select_related("widget", "claimed_by", "department")
        .prefetch_related(
            _operators_who_took_part(),
            Prefetch("events", queryset=history.order_by("at", "pk"), to_attr="record"),
        )
        .first()
    )


def chat_filter_choices(*, operator: Operator | None = None, system_id: int | None = None) -> dict:
    """What the Transcripts and Reports filters offer, by name: widgets (those whose records the
    operator reads, all without one), departments, operators (those of the operator's system,
    or of the system given, all for a superuser) and every tag, even one no longer offered,
    since older chats carry it. Four queries."""
    widgets = Widget.objects.order_by("name")
    departments = Department.objects.order_by("name")
    operators = Operator.objects.filter(is_operator=True).order_by("display_name", "username")
    if operator is not None and (widget_ids := _visible_widget_ids(operator=operator)) is not None:
        widgets = widgets.filter(pk__in=widget_ids)
        system_id = operator.system_id
    if system_id is not None:
        widgets = widgets.filter(system_id=system_id)
        departments = departments.filter(system_id=system_id)
        operators = operators.filter(system_id=system_id)
    return {
        "widgets": list(widgets.values("pk", "name")),
        "departments": list(departments.values("pk", "name")),
        "operators": [{"pk": o.pk, "name": o.name} for o in operators],
        "tags": list(ChatTag.objects.order_by("position", "name").values("pk", "name")),
    }


def chat_tags(*, chat: PatronChat) -> list[ChatTag]:
    """The chat's tags in the admin's order."""
    return list(chat.tags.order_by("position", "name"))


def tags_offered() -> list[ChatTag]:
    """The tags operators may add, in the admin's order."""
    return list(ChatTag.objects.filter(active=True).order_by("position", "name"))


def chat_readable_by(*, operator: Operator, chat_id: int) -> PatronChat | None:
    """A chat in any state whose record this operator may read (so may tag it, or follow it up
    with a ticket), or None."""
    return _chats_visible(operator=operator).filter(pk=chat_id).first()


def transcript_for(*, operator: Operator, chat_id: int) -> PatronChat | None:
    """An ended chat this operator may read, with its record, its tags and the emails of its
    transcript; None otherwise."""
    chats = _chats_visible(operator=operator).filter(state=PatronChat.State.ENDED)
    emails = TranscriptEmail.objects.select_related("sent_by").order_by("created_at", "pk")
    chats = chats.prefetch_related(
        _tags_in_order(), Prefetch("transcript_emails", queryset=emails, to_attr="emails")
    )
    return _chat_with_record(chats, chat_id)


EARLIER_MAX = 10


@dataclass
class PatronRecord:
    """What the console's patron panel shows of a chat: the chat with its record, and the same
    patron's earlier chats and offline tickets that this operator may read, newest first."""

    chat: PatronChat
    earlier_chats: list[PatronChat]
    tickets: list[OfflineTicket]


def patron_record(*, operator: Operator, chat_id: int) -> PatronRecord | None:
    """The patron panel's record of a chat in any state, or None when this operator may not
    read it (the rule of the transcripts). The patron's earlier chats are found by the email
    they gave and by the patron id their browser keeps; tickets by email. A fixed number of
    queries however many there are."""
    widget_ids = _visible_widget_ids(operator=operator)
    visible = _chats_visible(operator=operator, widget_ids=widget_ids)
    chat = _chat_with_record(visible, chat_id)
    if chat is None:
        return None
    same_patron = Q(patron_ref=chat.patron_ref) if chat.patron_ref else Q()
    email = chat.email.upper()
    if email:  # as the expression indexes hold it: UPPER(email)
        same_patron |= Q(email_upper=email)
    earlier, tickets = [], []
    if same_patron:
        earlier = list(
            visible.annotate(email_upper=Upper("email"))
            .filter(same_patron, created_at__lte=chat.created_at)
            .exclude(pk=chat.pk)
            .select_related("widget")
            .order_by("-created_at", "-pk")[:EARLIER_MAX]
        )
    if email:
        tickets = list(
            _tickets_of(widget_ids=widget_ids)
            .annotate(email_upper=Upper("email"))
            .filter(email_upper=email)
            .select_related("widget")
            .order_by("-created_at", "-pk")[:EARLIER_MAX]
        )
    return PatronRecord(chat=chat, earlier_chats=earlier, tickets=tickets)


def tickets_for(*, operator: Operator, query: str = "", status: str = "", page=1) -> Page:
    """Offline tickets of the widgets this operator answers, newest first, searchable, all or
    only the "open" or "answered" ones; one page."""
    tickets = _tickets_visible(operator=operator)
    if status in TICKET_STATUSES:
        tickets = tickets.filter(answered_at__isnull=status == "open")
    if query := query.strip():
        tickets = tickets.filter(
            Q(name__icontains=query) | Q(email__icontains=query) | Q(question__icontains=query)
        )
    records = tickets.select_related(
        "widget", "answered_by", "assigned_to", "assigned_department"
    ).order_by("-created_at", "-pk")
    return _page(records, page)


TICKET_STATUSES = ("open", "answered")


def _tickets_visible(*, operator: Operator) -> QuerySet:
    """The tickets of the widgets this operator answers, and those assigned to them or to a
    department they monitor; all for an admin."""
    widget_ids = _visible_widget_ids(operator=operator)
    if widget_ids is None:
        return OfflineTicket.objects.all()
    return OfflineTicket.objects.filter(
        Q(widget_id__in=widget_ids)
        | Q(assigned_to=operator)
        | Q(assigned_department_id__in=monitored_department_ids_subquery(operator=operator))
    )


def _tickets_of(*, widget_ids: list[int] | None) -> QuerySet:
    """Tickets of these widgets; all of them for None (an admin)."""
    tickets = OfflineTicket.objects.all()
    return tickets if widget_ids is None else tickets.filter(widget_id__in=widget_ids)


def ticket_for(*, operator: Operator, ticket_id: int) -> OfflineTicket | None:
    return _tickets_visible(operator=operator).filter(pk=ticket_id).first()


def follow_up_departments(*, system_id: int | None = None) -> list[Department]:
    """The departments (of one system, given its id) a follow-up ticket may be assigned to."""
    departments = Department.objects.filter(active=True).order_by("name")
    if system_id is not None:
        departments = departments.filter(system_id=system_id)
    return list(departments)


def tickets_open_count(*, operator: Operator) -> int:
    """How many of the tickets this operator may answer are still open."""
    return _tickets_visible(operator=operator).filter(answered_at__isnull=True).count()


def ticket_thread(*, operator: Operator, ticket_id: int) -> OfflineTicket | None:
    """A ticket this operator may read with its `thread` (answers and notes, oldest first, each
    with who wrote it); three queries however long the thread."""
    thread = TicketReply.objects.select_related("operator").order_by("created_at", "pk")
    return (
        _tickets_visible(operator=operator)
        .filter(pk=ticket_id)
        .select_related("widget", "answered_by", "chat", "assigned_to", "assigned_department")
        .prefetch_related(Prefetch("replies", queryset=thread, to_attr="thread"))
        .first()
    )


def chat_by_token(*, token: str) -> PatronChat:
    """The chat this token opens, or ChatNotFound (unknown token)."""
    chat = (
        PatronChat.objects.select_related("widget", "claimed_by")
        .filter(token_hash=secret_hash(token))
        .first()
    )
    if chat is None:
        raise ChatNotFound(gettext("This chat does not exist. Start a new chat."))
    return chat


def chat_for_operator(*, operator: Operator, chat_id: int) -> PatronChat:
    """The chat, if this operator holds it or may answer it; else ChatAccessDenied (also for
    unknown ids, so ids cannot be probed)."""
    chat = PatronChat.objects.select_related("widget", "claimed_by").filter(pk=chat_id).first()
    if chat is None or not (
        chat.claimed_by_id == operator.pk or operator_can_answer(operator=operator, chat=chat)
    ):
        raise ChatAccessDenied(gettext("You cannot answer this chat."))
    return chat


def patron_blocked(*, system_id: int, address_hash: str, patron_ref: str = "") -> bool:
    """Whether a block of this library system holds now for the patron with this address hash
    or this patron id (one query; a block not lifted and not expired, by either key)."""
    keys = Q(address_hash=address_hash) if address_hash else Q()
    if patron_ref:
        keys |= Q(patron_ref=patron_ref)
    if not keys:
        return False
    now = timezone.now()
    return (
        PatronBlock.objects.filter(keys, system_id=system_id, lifted_at__isnull=True)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .exists()
    )


def chat_visible_for(*, operator: Operator, chat_id: int) -> PatronChat | None:
    """A chat in any state whose record this operator may read (the transcripts' rule), or
    None: who may see a chat may block its patron."""
    return _chats_visible(operator=operator).filter(pk=chat_id).first()
