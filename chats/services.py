"""Every write to patron chats and their messages; each announces itself after commit.

Sockets listening: the patron's page (`patron_group`), the dashboards of operators who may take
the chat (`queue_groups`) and the claimant's own dashboards (`libchat.live.operator_group`).
"""

import html
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags

from accounts.models import Operator
from accounts.selectors import presence_for, reachable_operator_ids
from chats import selectors
from chats.errors import ChatAccessDenied, ChatClosed, ChatNotFound, ChatTaken, WidgetOffline
from chats.models import (
    MESSAGE_MAX_CHARS,
    OfflineTicket,
    PatronAttachment,
    PatronChat,
    PatronMessage,
)
from chats.signals import chat_released
from departments.models import Department
from libchat.live import live_send, operator_group
from libchat.richtext import body_has_text, body_sanitise, text_as_html, text_normalise
from libchat.tokens import secret_hash
from libchat.uploads import CheckedFile, file_check, files_storing
from widgets.models import Widget
from widgets.selectors import widget_state_get

NAME_MAX_CHARS = 100


def patron_group(chat_id: int) -> str:
    return f"patronchat.{chat_id}"


QUEUE_GROUP_PREFIX = "chats.queue."


def widget_queue_group(widget_id: int) -> str:
    return f"{QUEUE_GROUP_PREFIX}widget.{widget_id}"


def department_queue_group(department_id: int) -> str:
    return f"{QUEUE_GROUP_PREFIX}department.{department_id}"


def queue_groups(chat: PatronChat) -> list[str]:
    if chat.department_id:
        return [department_queue_group(chat.department_id)]
    return [widget_queue_group(chat.widget_id)]


def chat_by_token(*, token: str) -> PatronChat:
    """The chat this token opens, or ChatNotFound (unknown token)."""
    chat = (
        PatronChat.objects.select_related("widget", "claimed_by")
        .filter(token_hash=secret_hash(token))
        .first()
    )
    if chat is None:
        raise ChatNotFound("This chat does not exist. Start a new chat.")
    return chat


def chat_for_operator(*, operator: Operator, chat_id: int) -> PatronChat:
    """The chat, if this operator holds it or may answer it; else ChatAccessDenied (also for
    unknown ids, so ids cannot be probed)."""
    chat = PatronChat.objects.select_related("widget", "claimed_by").filter(pk=chat_id).first()
    if chat is None or not (
        chat.claimed_by_id == operator.pk
        or selectors.operator_can_answer(operator=operator, chat=chat)
    ):
        raise ChatAccessDenied("You cannot answer this chat.")
    return chat


def _prechat_clean(*, widget: Widget, name: str, email: str, question: str) -> dict[str, str]:
    answers = {"name": name.strip(), "email": email.strip(), "question": question.strip()}
    asks = {"name": widget.ask_name, "email": widget.ask_email, "question": widget.ask_question}
    labels = {"name": "your name", "email": "your email", "question": "your question"}
    errors = {}
    for field, ask in asks.items():
        if ask == Widget.Ask.OFF:
            answers[field] = ""
        elif ask == Widget.Ask.REQUIRED and not answers[field]:
            errors[field] = f"Please enter {labels[field]}."
    if answers["email"]:
        try:
            validate_email(answers["email"])
        except ValidationError:
            errors["email"] = "Please enter a valid email address, like name@example.org."
    if len(answers["name"]) > NAME_MAX_CHARS:
        errors["name"] = f"Please keep your name under {NAME_MAX_CHARS} characters."
    if len(answers["question"]) > MESSAGE_MAX_CHARS:
        errors["question"] = f"Please keep your question under {MESSAGE_MAX_CHARS} characters."
    if errors:
        raise ValidationError(errors)
    return answers


def chat_start(
    *, widget: Widget, name: str = "", email: str = "", question: str = ""
) -> tuple[PatronChat, str]:
    """Queue a new chat from the widget's pre-chat form; returns the chat and its token.

    Raises ValidationError for bad answers and WidgetOffline when nobody can answer; nothing is
    stored then.
    """
    answers = _prechat_clean(widget=widget, name=name, email=email, question=question)
    state = widget_state_get(widget_id=widget.pk) if widget.active else None
    if state is None or not state.online:
        raise WidgetOffline(widget.offline_message)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        chat = PatronChat.objects.create(
            widget=widget,
            token_hash=secret_hash(token),
            queued_at=now,
            patron_seen_at=now,
            **answers,
        )
        transaction.on_commit(partial(_announce_queued, chat.pk))
    return chat, token


def _announce_queued(chat_id: int) -> None:
    chat = PatronChat.objects.select_related("widget", "claimed_by").get(pk=chat_id)
    for group in queue_groups(chat):
        live_send(group, {"event": "chat.waiting", "chat": selectors.chat_summary(chat)})
    queue_positions_push(chat)


def queue_positions_push(chat: PatronChat) -> None:
    """Tell every patron in the chat's line (its widget's or its department's) their place."""
    for chat_id, position in selectors.queue_positions(**selectors.queue_of(chat)).items():
        live_send(patron_group(chat_id), {"event": "queue", "position": position})


def _unqueued(*, chat: PatronChat, claimed_by: Operator | None) -> None:
    frame = {
        "event": "chat.unqueued",
        "chat_id": chat.pk,
        "claimed_by": claimed_by.name if claimed_by else None,
        "claimed_by_id": claimed_by.pk if claimed_by else None,
    }
    for group in queue_groups(chat):
        live_send(group, frame)
    queue_positions_push(chat)


def chat_claim(*, chat: PatronChat, operator: Operator) -> PatronChat:
    """Take a waiting chat. One conditional UPDATE, so of many operators exactly one wins;
    the others get ChatTaken naming the winner."""
    if not selectors.operator_can_answer(operator=operator, chat=chat):
        raise ChatAccessDenied("You cannot answer this chat.")
    with transaction.atomic():
        claimed = PatronChat.objects.filter(pk=chat.pk, state=PatronChat.State.WAITING).update(
            state=PatronChat.State.ACTIVE, claimed_by=operator, claimed_at=timezone.now()
        )
        chat.refresh_from_db()
        if not claimed:
            if chat.state == PatronChat.State.ENDED:
                raise ChatClosed("This chat has ended.")
            raise ChatTaken(f"This chat was taken by {chat.claimed_by.name}.")
        transaction.on_commit(partial(_announce_claimed, chat, operator))
        chat_system_line(chat=chat, body=f"{operator.name} joined the chat.")
    return chat


def _announce_claimed(chat: PatronChat, operator: Operator) -> None:
    live_send(patron_group(chat.pk), {"event": "claimed", "operator": operator.name})
    _unqueued(chat=chat, claimed_by=operator)


def _message_create(
    *,
    chat: PatronChat,
    sender: str,
    body: str,
    operator: Operator | None,
    client_msg_id: str,
    files: Iterable[tuple[CheckedFile, str]] = (),
    announce: bool = True,
) -> PatronMessage:
    """Append a message to a chat row locked by the caller; numbers grow by one. `files` are
    the message's files, already stored: (checked file, stored name). Unless `announce` is
    False, both sides get it after commit."""
    chat.last_message_id += 1
    PatronChat.objects.filter(pk=chat.pk).update(last_message_id=chat.last_message_id)
    message = PatronMessage.objects.create(
        chat=chat,
        number=chat.last_message_id,
        sender=sender,
        operator=operator,
        body=body,
        client_msg_id=client_msg_id,
    )
    attachments = PatronAttachment.objects.bulk_create(
        _attachment_new(message, item, name) for item, name in files
    )
    if announce:
        transaction.on_commit(partial(_announce_message, chat, message, attachments))
    return message


def _attachment_new(message: PatronMessage, item: CheckedFile, name: str) -> PatronAttachment:
    attachment = PatronAttachment(
        message=message, file=name, key_nonce=secrets.token_hex(32), **item.described()
    )
    attachment.key_hash = secret_hash(selectors.attachment_key(attachment))
    return attachment


def chat_system_line(*, chat: PatronChat, body: str) -> PatronMessage:
    """Post a line of plain text from LibChat itself (not the patron, not an operator) into the
    chat; it shows on both sides and in the transcript. Runs inside the caller's transaction."""
    locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
    return _system_line_create(chat=locked, text=body)


def _system_line_create(*, chat: PatronChat, text: str, announce: bool = True) -> PatronMessage:
    """A system line in a chat row locked by the caller. Its text is plain and may hold names
    people chose (the patron's from the pre-chat form), so it is stored escaped, like a
    patron's message: a name is never markup on the operator's screen."""
    return _message_create(
        chat=chat,
        sender=PatronMessage.Sender.SYSTEM,
        body=text_as_html(text),
        operator=None,
        client_msg_id="",
        announce=announce,
    )


def _released(chat: PatronChat) -> None:
    """The claimant lets go of the locked chat; receivers may post lines, so re-read the count."""
    chat_released.send(sender=PatronChat, chat=chat)
    chat.last_message_id = PatronChat.objects.get(pk=chat.pk).last_message_id


def _announce_message(
    chat: PatronChat, message: PatronMessage, attachments: list[PatronAttachment]
) -> None:
    event = selectors.message_as_event(message, attachments)
    live_send(patron_group(chat.pk), {"event": "message", "message": event})
    if chat.claimed_by_id:
        live_send(
            operator_group(chat.claimed_by_id),
            {"event": "chat.message", "chat_id": chat.pk, "message": event},
        )


def message_send(
    *,
    chat: PatronChat,
    body: str,
    client_msg_id: str = "",
    operator: Operator | None = None,
    files: list[UploadedFile] | tuple = (),
) -> PatronMessage:
    """Store a message from the patron (operator None) or from the chat's claimant, who may
    send files too (the rules of internal chat files: `libchat.uploads`).

    The claimant's body is rich text sanitised like internal chat's; the patron's is plain text,
    stored escaped, as their text box in the widget writes it, so it can never pass for staff
    content. Either holds at most 4,000 characters (of markup for the claimant, as the editor
    counts; of text for the patron, as the widget counts it), and some text unless files
    come with it. A retried send with the same client_msg_id returns the message stored the
    first time. Refusals store nothing.
    """
    if files and operator is None:
        raise ChatAccessDenied("Only the operator can send files.")
    if operator is None:
        text = text_normalise(body)
        clean, length = text_as_html(text), len(text)
    else:
        clean = body_sanitise(body)
        length = len(clean)
    checked = [file_check(upload=upload) for upload in files]
    if not checked and not body_has_text(clean):
        raise ValidationError("Type a message first.")
    if length > MESSAGE_MAX_CHARS:
        raise ValidationError(
            f"Messages can be {MESSAGE_MAX_CHARS:,} characters at most; this one has {length:,}."
        )
    client_msg_id = str(client_msg_id)[:64]
    sender = PatronMessage.Sender.OPERATOR if operator else PatronMessage.Sender.PATRON
    with files_storing("chats", checked) as stored, transaction.atomic():
        locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
        if locked.state == PatronChat.State.ENDED:
            raise ChatClosed("This chat has ended.")
        if operator and locked.claimed_by_id != operator.pk:
            raise ChatAccessDenied("Only the operator who claimed this chat can reply.")
        if client_msg_id:
            earlier = PatronMessage.objects.filter(
                chat=locked, sender=sender, client_msg_id=client_msg_id
            ).first()
            if earlier:
                return earlier
        message = _message_create(
            chat=locked,
            sender=sender,
            body=clean,
            operator=operator,
            client_msg_id=client_msg_id,
            files=stored,
        )
        stored.keep()
        return message


def chat_end(
    *, chat: PatronChat, operator: Operator | None = None, note: str = "", left: bool = False
) -> PatronChat:
    """End the chat, by the patron (operator None; `left` when their page went away) or by its
    claimant, who may leave an internal note. Ending twice is a no-op."""
    with transaction.atomic():
        locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
        if locked.state == PatronChat.State.ENDED:
            return locked
        if operator and locked.claimed_by_id != operator.pk:
            raise ChatAccessDenied("Only the operator who claimed this chat can end it.")
        was_waiting = locked.state == PatronChat.State.WAITING
        _released(locked)
        who = operator.name if operator else (locked.name or "The patron")
        verb = "left" if left else "ended"
        # The line is the transcript's record. The open pages are told by the closing frames
        # below instead, each in its reader's words: sending the line as well showed the end
        # twice, and to the patron who ended it as "The patron ended the chat.".
        _system_line_create(chat=locked, text=f"{who} {verb} the chat.", announce=False)
        locked.state = PatronChat.State.ENDED
        locked.ended_at = timezone.now()
        if operator and note.strip():
            locked.internal_note = "\n".join(
                filter(None, [locked.internal_note, f"{operator.name}: {note.strip()}"])
            )[: 4 * MESSAGE_MAX_CHARS]
        locked.save(update_fields=["state", "ended_at", "internal_note"])
        # Each side reads a plain sentence, in the second person when it was their own doing.
        to_patron = f"{who} {verb} the chat." if operator else f"You {verb} the chat."
        to_operator = f"You {verb} the chat." if operator else f"{who} {verb} the chat."
        transaction.on_commit(partial(_announce_ended, locked, to_patron, to_operator, was_waiting))
    return locked


def _announce_ended(chat: PatronChat, to_patron: str, to_operator: str, was_waiting: bool) -> None:
    live_send(patron_group(chat.pk), {"event": "ended", "message": to_patron})
    if chat.claimed_by_id:
        live_send(
            operator_group(chat.claimed_by_id),
            {"event": "chat.ended", "chat_id": chat.pk, "message": to_operator},
        )
    if was_waiting:
        _unqueued(chat=chat, claimed_by=None)


def chat_typing(*, chat: PatronChat, operator: Operator | None = None) -> None:
    """Tell the other side someone is typing; nothing is stored."""
    if operator is None:
        if chat.claimed_by_id:
            live_send(
                operator_group(chat.claimed_by_id), {"event": "chat.typing", "chat_id": chat.pk}
            )
        return
    if chat.claimed_by_id != operator.pk or chat.state != PatronChat.State.ACTIVE:
        raise ChatAccessDenied("Only the operator who claimed this chat can type in it.")
    live_send(patron_group(chat.pk), {"event": "typing", "operator": operator.name})


def chat_rate(*, chat: PatronChat, rating: int | None = None, comment: str = "") -> PatronChat:
    """The patron's rating (1 to 5) and comment, once the chat has ended. Each is optional, as
    the form says, but not both: a comment alone is kept with no rating."""
    if chat.state != PatronChat.State.ENDED:
        raise ValidationError("Rate the chat once it has ended.")
    comment = comment.strip()[:MESSAGE_MAX_CHARS]
    if rating is None and not comment:
        raise ValidationError("Choose a rating from 1 to 5 or write a comment.")
    if rating is not None and (
        not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5
    ):
        raise ValidationError("Choose a rating from 1 to 5.")
    chat.rating = rating
    chat.comment = comment
    chat.save(update_fields=["rating", "comment"])
    return chat


def _front_of_queue(chat: PatronChat) -> datetime:
    """A queue time before every chat now waiting in the chat's line."""
    first = selectors.queue_front(**selectors.queue_of(chat))
    now = timezone.now()
    return min(first, now) - timedelta(milliseconds=1) if first else now


def chat_requeue(*, chat: PatronChat, reason: str) -> bool:
    """Put an active chat back at the front of its queue because its claimant is gone.

    Conditional on the chat still being held by the same claimant, so a concurrent claim, end
    or transfer wins. Returns whether the chat was requeued.
    """
    claimant = chat.claimed_by
    with transaction.atomic():
        requeued = PatronChat.objects.filter(
            pk=chat.pk, state=PatronChat.State.ACTIVE, claimed_by=claimant
        ).update(
            state=PatronChat.State.WAITING,
            claimed_by=None,
            claimed_at=None,
            claimant_unreachable_since=None,
            unclaimed_alert_at=None,
            queued_at=_front_of_queue(chat),
        )
        if not requeued:
            return False
        _released(chat)
        chat.refresh_from_db()
        text = f"{claimant.name} {reason}. You are back at the front of the line."
        to_claimant = f"The chat went back to the queue: you {reason}."
        transaction.on_commit(partial(_announce_requeued, chat, claimant, text, to_claimant))
        chat_system_line(chat=chat, body=text)
    return True


def _announce_requeued(chat: PatronChat, claimant: Operator, text: str, to_claimant: str) -> None:
    live_send(patron_group(chat.pk), {"event": "requeued", "message": text})
    live_send(
        operator_group(claimant.pk),
        {"event": "chat.ended", "chat_id": chat.pk, "message": to_claimant},
    )
    _announce_queued(chat.pk)


def claimants_presence_follow(*, operator_ids: set[int], now: datetime | None = None) -> None:
    """After a presence change: requeue the chats of claimants who signed out; start (or stop)
    the 90-second clock of claimants who became unreachable (or came back)."""
    now = now or timezone.now()
    active = PatronChat.objects.filter(state=PatronChat.State.ACTIVE, claimed_by__in=operator_ids)
    presence = presence_for(operator_ids=operator_ids)
    for operator_id, seen in presence.items():
        theirs = active.filter(claimed_by=operator_id)
        if not seen.signed_in:
            for chat in theirs.select_related("claimed_by"):
                chat_requeue(chat=chat, reason="signed out")
        elif seen.reachable:
            theirs.update(claimant_unreachable_since=None)
        else:
            theirs.filter(claimant_unreachable_since__isnull=True).update(
                claimant_unreachable_since=now
            )


def chats_requeue_unreachable(*, now: datetime | None = None) -> int:
    """Requeue chats whose claimant has been unreachable for LIBCHAT_REQUEUE_AFTER_SECONDS.

    The clock starts at the presence change (`claimants_presence_follow`); this beat job also
    starts it for a claimant whose change was missed. Returns how many chats were requeued.
    """
    now = now or timezone.now()
    active = PatronChat.objects.filter(state=PatronChat.State.ACTIVE)
    claimant_ids = set(active.values_list("claimed_by_id", flat=True))
    reachable = reachable_operator_ids(operator_ids=claimant_ids)
    active.filter(claimed_by__in=reachable).exclude(claimant_unreachable_since=None).update(
        claimant_unreachable_since=None
    )
    gone = active.exclude(claimed_by__in=reachable)
    gone.filter(claimant_unreachable_since__isnull=True).update(claimant_unreachable_since=now)
    cutoff = now - timedelta(seconds=settings.LIBCHAT_REQUEUE_AFTER_SECONDS)
    due = gone.filter(claimant_unreachable_since__lte=cutoff).select_related("claimed_by")
    return sum(chat_requeue(chat=chat, reason="could not be reached") for chat in due)


def chats_alert_unclaimed(*, now: datetime | None = None) -> int:
    """Alert everyone who could take a chat that has waited LIBCHAT_UNCLAIMED_ALERT_SECONDS;
    once per wait. Returns how many chats raised an alert."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LIBCHAT_UNCLAIMED_ALERT_SECONDS)
    due = list(
        PatronChat.objects.filter(
            state=PatronChat.State.WAITING, queued_at__lte=cutoff, unclaimed_alert_at=None
        ).select_related("widget", "claimed_by")
    )
    for chat in due:
        alerted = PatronChat.objects.filter(pk=chat.pk, unclaimed_alert_at=None).update(
            unclaimed_alert_at=now
        )
        if alerted:
            frame = {"event": "chat.alert", "chat": selectors.chat_summary(chat)}
            for group in queue_groups(chat):
                live_send(group, frame)
    return len(due)


def chat_transfer(
    *,
    chat: PatronChat,
    operator: Operator,
    to_operator: Operator | None = None,
    to_department: Department | None = None,
    note: str = "",
) -> PatronChat:
    """Hand a claimed chat to another reachable operator, or back into a department's queue.

    The note is for staff only; the patron is told who took over.
    """
    if (to_operator is None) == (to_department is None):
        raise ValidationError("Transfer to an operator or to a department.")
    if to_operator is not None and (
        to_operator.pk == operator.pk
        or not (to_operator.is_active and to_operator.is_operator)
        or not reachable_operator_ids(operator_ids={to_operator.pk})
    ):
        raise ValidationError(f"{to_operator.name} cannot take chats right now.")
    if to_department is not None and not to_department.active:
        raise ValidationError(f"{to_department.name} does not take chats.")
    note = note.strip()[:MESSAGE_MAX_CHARS]
    with transaction.atomic():
        locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
        if locked.state != PatronChat.State.ACTIVE or locked.claimed_by_id != operator.pk:
            raise ChatAccessDenied("Only the operator who holds this chat can transfer it.")
        _released(locked)
        target = to_operator.name if to_operator else to_department.name
        if note:
            locked.internal_note = "\n".join(
                filter(None, [locked.internal_note, f"{operator.name} → {target}: {note}"])
            )
        if to_operator:
            locked.claimed_by = to_operator
            locked.claimed_at = timezone.now()
        else:
            locked.state = PatronChat.State.WAITING
            locked.claimed_by = None
            locked.claimed_at = None
            locked.department = to_department
            locked.queued_at = timezone.now()
            locked.unclaimed_alert_at = None
        locked.claimant_unreachable_since = None
        locked.save()
        transaction.on_commit(partial(_announce_transferred, locked, operator, target))
        _system_line_create(chat=locked, text=f"{operator.name} transferred the chat to {target}.")
    return locked


def _announce_transferred(chat: PatronChat, by: Operator, target: str) -> None:
    where = target if chat.claimed_by_id else f"{target}'s queue"
    live_send(
        operator_group(by.pk),
        {
            "event": "chat.ended",
            "chat_id": chat.pk,
            "message": f"You transferred the chat to {where}.",
        },
    )
    if chat.claimed_by_id:
        live_send(patron_group(chat.pk), {"event": "claimed", "operator": target})
        summary = selectors.chat_summary(chat)
        live_send(
            operator_group(chat.claimed_by_id),
            {
                "event": "chat.opened",
                "chat": {**summary, "messages": selectors.chat_messages(chat_id=chat.pk)},
            },
        )
    else:
        live_send(patron_group(chat.pk), {"event": "transferred", "department": target})
        _announce_queued(chat.pk)


def ticket_create(
    *, widget: Widget, name: str = "", email: str = "", question: str = ""
) -> OfflineTicket:
    """Store a question left through the offline form. Email and question are required."""
    if widget.offline_behaviour != Widget.Offline.TICKET_FORM:
        raise WidgetOffline(widget.offline_message)
    ticket = OfflineTicket(
        widget=widget, name=name.strip(), email=email.strip(), question=question.strip()
    )
    try:
        ticket.full_clean(exclude=["widget"])
    except ValidationError as error:
        raise ValidationError(
            {
                field: [
                    "Please enter a valid email address, like name@example.org."
                    if field == "email"
                    else f"Please enter your {field}."
                ]
                for field in error.message_dict
            }
        ) from error
    ticket.save()
    return ticket


def ticket_answered_set(*, ticket: OfflineTicket, operator: Operator, answered: bool) -> bool:
    """Mark a ticket answered by this operator, or open again. Conditional, so when two
    operators mark it at once the first keeps the credit; returns whether anything changed."""
    tickets = OfflineTicket.objects.filter(pk=ticket.pk)
    if answered:
        changed = tickets.filter(answered_at__isnull=True).update(
            answered_at=timezone.now(), answered_by=operator
        )
    else:
        changed = tickets.filter(answered_at__isnull=False).update(
            answered_at=None, answered_by=None
        )
    ticket.refresh_from_db()
    return bool(changed)


def _transcript_line(chat: PatronChat, message: dict, base_url: str) -> str:
    text = strip_tags(message["body"].replace("<br>", "\n"))
    files = [f"{file['name']}: {base_url}{file['url']}" for file in message["attachments"]]
    text = "\n".join(filter(None, [html.unescape(text), *files]))
    # A line from LibChat itself has no speaker, as on the transcript page.
    if message["sender"] != PatronMessage.Sender.SYSTEM:
        who = (chat.name or "You") if message["sender"] == "patron" else message["operator"]
        text = f"{who}: {text}"
    return f"[{message['created_at'][11:16]} UTC] {text}"


def chat_transcript_email(*, chat: PatronChat, base_url: str = "") -> None:
    """Email the transcript to the address the patron gave (Django's email backend); files
    are links under `base_url` (this site's address, e.g. https://chat.library.example)."""
    if not chat.email:
        raise ValidationError("No email address was given for this chat.")
    lines = [_transcript_line(chat, m, base_url) for m in selectors.chat_messages(chat_id=chat.pk)]
    send_mail(
        subject=f"Your chat with {chat.widget.title}",
        message="\n".join([f"Your question: {chat.question}", "", *lines]),
        from_email=None,
        recipient_list=[chat.email],
    )


def chat_patron_seen(*, chat: PatronChat) -> None:
    """The patron's page is there (it connected, or answered a ping)."""
    PatronChat.objects.filter(pk=chat.pk).update(patron_seen_at=timezone.now())


def chat_patron_page(*, chat_id: int, here: bool) -> None:
    """The patron's page connected (`here`) or went away: the claimant's pane says so."""
    chat = PatronChat.objects.filter(pk=chat_id, state=PatronChat.State.ACTIVE).first()
    if chat is not None:
        event = "chat.patron_here" if here else "chat.patron_away"
        live_send(operator_group(chat.claimed_by_id), {"event": event, "chat_id": chat.pk})


def chats_end_abandoned(*, now: datetime | None = None) -> int:
    """End chats whose patron's page has stopped answering pings (tab closed, laptop shut):
    a waiting chat after LIBCHAT_PATRON_GONE_SECONDS, so nobody claims a chat nobody is in; a
    claimed one after LIBCHAT_PATRON_GONE_ACTIVE_SECONDS, so the operator is not left holding
    it. Returns how many ended."""
    now = now or timezone.now()
    waiting_cutoff = now - timedelta(seconds=settings.LIBCHAT_PATRON_GONE_SECONDS)
    active_cutoff = now - timedelta(seconds=settings.LIBCHAT_PATRON_GONE_ACTIVE_SECONDS)
    gone = PatronChat.objects.filter(
        Q(state=PatronChat.State.WAITING, patron_seen_at__lt=waiting_cutoff)
        | Q(state=PatronChat.State.ACTIVE, patron_seen_at__lt=active_cutoff)
    )
    ended = 0
    for chat in gone:
        chat_end(chat=chat, left=True)
        ended += 1
    return ended
