"""A chat's life: started from the widget, queued, claimed, transferred or requeued, ended, rated.
Every write announces itself after commit to the patron's page and the dashboards concerned."""

import secrets
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from accounts.models import Operator
from accounts.selectors import operator_takes_chats, operator_text
from chats import selectors
from chats.errors import (
    ChatAccessDenied,
    ChatClosed,
    ChatInvalid,
    ChatTaken,
    ChatUnavailable,
    WidgetOffline,
)
from chats.groups import patron_group, queue_groups
from chats.models import ChatEvent, ChatParticipant, PatronChat
from chats.services.messages import chat_system_line, system_line_create
from chats.services.patron_context import PATRON_REF, patron_context_clean
from chats.signals import chat_released
from departments.models import Department
from libchat.core.live import InReadersLanguage, live_send, operator_group
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.core.ratelimit import rate_limit_hit
from libchat.core.tokens import secret_hash
from widgets.models import Widget
from widgets.selectors import widget_open_now, widget_state_get

NAME_MAX_CHARS = 100
NOT_TAKING_CHATS = gettext_noop("Sign in to LibChat with status Online to take new patron chats.")


def invalid_email_text() -> str:
    """What a patron is told of an email address that is not one, in their language."""
    return gettext("Please enter a valid email address, like name@example.org.")


def answers_too_long(*, name: str, question: str) -> dict[str, str]:
    """Each field of a patron's form (pre-chat or offline) over its limit, with the words."""
    errors = {}
    if len(name) > NAME_MAX_CHARS:
        errors["name"] = gettext("Please keep your name under %(max)s characters.") % {
            "max": NAME_MAX_CHARS
        }
    if len(question) > MESSAGE_MAX_CHARS:
        errors["question"] = gettext("Please keep your question under %(max)s characters.") % {
            "max": MESSAGE_MAX_CHARS
        }
    return errors


def _prechat_clean(*, widget: Widget, name: str, email: str, question: str) -> dict[str, str]:
    answers = {"name": name.strip(), "email": email.strip(), "question": question.strip()}
    asks = {"name": widget.ask_name, "email": widget.ask_email, "question": widget.ask_question}
    missing = {
        "name": gettext("Please enter your name."),
        "email": gettext("Please enter your email."),
        "question": gettext("Please enter your question."),
    }
    errors = {}
    for field, ask in asks.items():
        if ask == Widget.Ask.OFF:
            answers[field] = ""
        elif ask == Widget.Ask.REQUIRED and not answers[field]:
            errors[field] = missing[field]
    if answers["email"]:
        try:
            validate_email(answers["email"])
        except ValidationError:
            errors["email"] = invalid_email_text()
    errors.update(answers_too_long(name=answers["name"], question=answers["question"]))
    if errors:
        raise ValidationError(errors)
    return answers


def chat_start(
    *,
    widget: Widget,
    name: str = "",
    email: str = "",
    question: str = "",
    page_url: str = "",
    patron_ref: str = "",
    user_agent: str = "",
    language: str = "en",
    address_hash: str = "",
) -> tuple[PatronChat, str]:
    """Queue a new chat from the widget's pre-chat form; returns the chat and its token.

    The page it was started from (kept only when the widget sends it), the patron id the
    library's pages keep and the browser (`chats.services.patron_context`) go with it for the
    operator's patron panel; `language` is the one the patron's page speaks, which LibChat's
    words to them follow from then on. `address_hash` is the keyed hash of the patron's address
    (`libchat.core.addresses`), kept so a block can hold by it. Raises ChatUnavailable for a
    blocked patron (before anything else, so no answer tells them more), ValidationError for bad
    answers and WidgetOffline when nobody can answer; nothing is stored then.
    """
    context = patron_context_clean(
        widget=widget, page_url=page_url, patron_ref=patron_ref, user_agent=user_agent
    )
    patron_admit(widget=widget, address_hash=address_hash, patron_ref=context["patron_ref"])
    answers = _prechat_clean(widget=widget, name=name, email=email, question=question)
    state = widget_state_get(widget_id=widget.pk) if widget.active else None
    # The hours are read again, not only the cached state: a page (or a process whose clock
    # runs a little behind) may try in the second after closing time.
    if state is None or not state.online or not widget_open_now(widget=widget):
        raise WidgetOffline(widget.offline_message)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        now = timezone.now()
        chat = PatronChat.objects.create(
            widget=widget,
            token_hash=secret_hash(token),
            queued_at=now,
            patron_seen_at=now,
            language=language,
            address_hash=address_hash,
            **answers,
            **context,
        )
        transaction.on_commit(partial(_announce_queued, chat.pk))
    return chat, token


def patron_admit(*, widget: Widget, address_hash: str, patron_ref: str = "") -> None:
    """Raise ChatUnavailable when a block of the widget's library system holds for this patron:
    the same refusal, word for word, whatever the block, so the patron learns nothing from it."""
    patron_ref = patron_ref if PATRON_REF.fullmatch(patron_ref) else ""
    if selectors.patron_blocked(
        system_id=widget.system_id, address_hash=address_hash, patron_ref=patron_ref
    ):
        raise ChatUnavailable(gettext("Chat unavailable"))


def _announce_queued(chat_id: int) -> None:
    chat = PatronChat.objects.select_related("widget", "claimed_by").get(pk=chat_id)
    for group in queue_groups(chat):
        live_send(
            group,
            {"event": "chat.waiting", "chat": selectors.chat_summary(chat), "at": time.time()},
        )
    queue_positions_push(chat)


def queue_positions_push(chat: PatronChat) -> None:
    """Tell every patron in the chat's line (its widget's or its department's) their place."""
    for chat_id, position in selectors.queue_positions(**selectors.queue_of(chat)).items():
        live_send(patron_group(chat_id), {"event": "chat.queue", "position": position})


def _unqueued(*, chat: PatronChat, claimed_by: Operator | None) -> None:
    frame = {
        "event": "chat.unqueued",
        "chat_id": chat.pk,
        "claimed_by": claimed_by.name if claimed_by else None,
        "claimed_by_id": claimed_by.pk if claimed_by else None,
        "at": time.time(),
    }
    for group in queue_groups(chat):
        live_send(group, frame)
    queue_positions_push(chat)


def chat_claim(*, chat: PatronChat, operator: Operator) -> PatronChat:
    """Take a waiting chat. One conditional UPDATE, so of many operators exactly one wins;
    the others get ChatTaken naming the winner. Only an operator who takes patron chats now
    (signed in, Online, reachable) may claim one."""
    if not selectors.operator_can_answer(operator=operator, chat=chat):
        raise ChatAccessDenied(gettext("You cannot answer this chat."))
    if not operator_takes_chats(operator=operator):
        raise ChatAccessDenied(gettext(NOT_TAKING_CHATS))
    with transaction.atomic():
        now = timezone.now()
        claimed = PatronChat.objects.filter(pk=chat.pk, state=PatronChat.State.WAITING).update(
            state=PatronChat.State.ACTIVE,
            claimed_by=operator,
            claimed_at=now,
            first_claimed_at=Coalesce("first_claimed_at", now),
        )
        chat.refresh_from_db()
        if not claimed:
            if chat.state == PatronChat.State.ENDED:
                raise ChatClosed(gettext("This chat has ended."))
            raise ChatTaken(
                gettext("This chat was taken by %(name)s.") % {"name": chat.claimed_by.name}
            )
        _record(chat, ChatEvent.Kind.CLAIMED, at=now, to_operator=operator)
        transaction.on_commit(partial(_announce_claimed, chat, operator))
        chat_system_line(chat=chat, line="joined", holder=operator, who=operator.name)
    return chat


def _record(chat: PatronChat, kind: str, *, at, **fields) -> None:
    """Add a line to the chat's record of holders, in the caller's transaction; whoever it is
    handed to becomes one of the operators who took part (once per chat)."""
    ChatEvent.objects.create(chat=chat, kind=kind, at=at, **fields)
    if to_operator := fields.get("to_operator"):
        ChatParticipant.objects.bulk_create(
            [ChatParticipant(chat=chat, operator=to_operator, joined_at=at)],
            ignore_conflicts=True,
        )


def _announce_claimed(chat: PatronChat, operator: Operator) -> None:
    live_send(patron_group(chat.pk), {"event": "chat.claimed", "operator": operator.name})
    _unqueued(chat=chat, claimed_by=operator)


def _released(chat: PatronChat) -> None:
    """The claimant lets go of the locked chat; receivers may post lines, so re-read the count."""
    chat_released.send(sender=PatronChat, chat=chat)
    chat.last_message_id = PatronChat.objects.get(pk=chat.pk).last_message_id


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
            raise ChatAccessDenied(gettext("Only the operator who claimed this chat can end it."))
        was_waiting = locked.state == PatronChat.State.WAITING
        _released(locked)
        who = operator.name if operator else locked.name
        line = ("" if who else "patron_") + ("left" if left else "ended")  # a name, or none
        # The line is the transcript's record. The open pages are told by the closing frames
        # below instead, each in its reader's words: sending the line as well showed the end
        # twice, and to the patron who ended it as "The patron ended the chat.".
        system_line_create(chat=locked, line=line, args={"who": who} if who else {}, announce=False)
        locked.state = PatronChat.State.ENDED
        locked.ended_at = timezone.now()
        reason = (
            ChatEvent.Reason.BY_OPERATOR
            if operator
            else ChatEvent.Reason.PATRON_LEFT
            if left
            else ChatEvent.Reason.BY_PATRON
        )
        held_by = operator or locked.claimed_by  # the holder, whoever ended it
        _record(locked, ChatEvent.Kind.ENDED, at=locked.ended_at, operator=held_by, reason=reason)
        if operator and note.strip():
            locked.internal_note = "\n".join(
                filter(None, [locked.internal_note, f"{operator.name}: {note.strip()}"])
            )[: 4 * MESSAGE_MAX_CHARS]
        locked.save(update_fields=["state", "ended_at", "internal_note"])
        # Each side reads a plain sentence, in the second person when it was their own doing.
        with translation.override(locked.language):
            to_patron = (
                gettext("%(name)s ended the chat.") % {"name": operator.name}
                if operator
                else gettext("You left the chat.")
                if left
                else gettext("You ended the chat.")
            )
        to_operator = _ended_to_operator(locked, operator=operator, left=left)
        transaction.on_commit(partial(_announce_ended, locked, to_patron, to_operator, was_waiting))
    return locked


def _ended_to_operator(
    chat: PatronChat, *, operator: Operator | None, left: bool
) -> str | InReadersLanguage:
    """What the holder's pages say of the end, in their language; empty with nobody holding it.
    `operator` ended it (the holder), or the patron did."""
    if not chat.claimed_by_id:
        return ""

    def sentence() -> str:
        if operator:
            return gettext("You ended the chat.")
        name = chat.name or gettext("The patron")
        if left:
            return gettext("%(name)s left the chat.") % {"name": name}
        return gettext("%(name)s ended the chat.") % {"name": name}

    return operator_text(operator or chat.claimed_by, sentence)


def _announce_ended(
    chat: PatronChat,
    to_patron: str,
    to_operator: str | InReadersLanguage,
    was_waiting: bool,
    **to_page,
) -> None:
    live_send(
        patron_group(chat.pk),
        {"event": "chat.ended", "chat_id": chat.pk, "message": to_patron, **to_page},
    )
    if chat.claimed_by_id:
        live_send(
            operator_group(chat.claimed_by_id),
            {"event": "chat.ended", "chat_id": chat.pk, "message": to_operator},
        )
    if was_waiting:
        _unqueued(chat=chat, claimed_by=None)


def chat_end_blocked(*, chat: PatronChat, operator: Operator, reason: str) -> PatronChat:
    """End the chat of a patron `operator` has just blocked (`chats.services.blocks`), in the
    caller's transaction. The patron reads only "This chat has ended." and their page shows the
    widget's offline side; the stored line says the same, since the patron may have the
    transcript emailed. Staff read why in the chat's record and its internal note."""
    locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
    note = f"{operator.name} blocked the patron: {reason}"
    locked.internal_note = "\n".join(filter(None, [locked.internal_note, note]))
    if locked.state == PatronChat.State.ENDED:
        locked.save(update_fields=["internal_note"])
        return locked
    was_waiting = locked.state == PatronChat.State.WAITING
    _released(locked)
    with translation.override(locked.language):
        ended = gettext("This chat has ended.")
    system_line_create(chat=locked, line="over", args={}, announce=False)
    locked.state = PatronChat.State.ENDED
    locked.ended_at = timezone.now()
    _record(
        locked,
        ChatEvent.Kind.ENDED,
        at=locked.ended_at,
        operator=locked.claimed_by or operator,
        reason=ChatEvent.Reason.BLOCKED,
    )
    locked.save(update_fields=["state", "ended_at", "internal_note"])
    to_operator = _blocked_to_operator(locked, operator=operator)
    transaction.on_commit(
        partial(_announce_ended, locked, ended, to_operator, was_waiting, widget_online=False)
    )
    return locked


def _blocked_to_operator(chat: PatronChat, *, operator: Operator) -> str | InReadersLanguage:
    """What the holder's pages say of the block, in their language; empty with nobody holding
    it (an admin blocked a waiting chat)."""
    if not chat.claimed_by_id:
        return ""
    if chat.claimed_by_id == operator.pk:
        return operator_text(
            operator, lambda: gettext("You blocked the patron and ended the chat.")
        )
    return operator_text(
        chat.claimed_by,
        lambda: (
            gettext("%(name)s blocked the patron and ended the chat.") % {"name": operator.name}
        ),
    )


def chat_typing(*, chat: PatronChat, operator: Operator | None = None) -> None:
    """Tell the other side someone is typing; nothing is stored. One push per side every
    LIBCHAT_TYPING_PUSH_SECONDS at most, the rest dropped without a word: the other page shows
    "is typing…" for longer than that, so a flood of frames would change nothing there. The
    patron's side reads the claimant only for a push that goes out, so a flood costs no query."""
    if operator is not None and (
        chat.claimed_by_id != operator.pk or chat.state != PatronChat.State.ACTIVE
    ):
        raise ChatAccessDenied(gettext("Only the operator who claimed this chat can type in it."))
    side = "patron" if operator is None else "operator"
    if rate_limit_hit(
        key=f"typing:{chat.pk}:{side}", limit=1, seconds=settings.LIBCHAT_TYPING_PUSH_SECONDS
    ):
        return
    if operator is None:
        claimant = PatronChat.objects.filter(pk=chat.pk).values_list("claimed_by", flat=True)
        if claimant_id := claimant.first():
            live_send(operator_group(claimant_id), {"event": "chat.typing", "chat_id": chat.pk})
        return
    live_send(
        patron_group(chat.pk),
        {"event": "chat.typing", "chat_id": chat.pk, "operator": operator.name},
    )


def chat_rate(*, chat: PatronChat, rating: int | None = None, comment: str = "") -> PatronChat:
    """The patron's rating (1 to 5) and comment, once the chat has ended. Each is optional, as
    the form says, but not both: a comment alone is kept with no rating."""
    if chat.state != PatronChat.State.ENDED:
        raise ChatInvalid(gettext("Rate the chat once it has ended."))
    comment = comment.strip()[:MESSAGE_MAX_CHARS]
    if rating is None and not comment:
        raise ChatInvalid(gettext("Choose a rating from 1 to 5 or write a comment."))
    if rating is not None and (
        not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5
    ):
        raise ChatInvalid(gettext("Choose a rating from 1 to 5."))
    chat.rating = rating
    chat.comment = comment
    chat.save(update_fields=["rating", "comment"])
    return chat


def _front_of_queue(chat: PatronChat) -> datetime:
    """A queue time before every chat now waiting in the chat's line."""
    first = selectors.queue_front(**selectors.queue_of(chat))
    now = timezone.now()
    return min(first, now) - timedelta(milliseconds=1) if first else now


def chat_requeue(*, chat: PatronChat, reason: ChatEvent.Reason) -> bool:
    """Put an active chat back at the front of its queue because its claimant is gone (the
    reason: they signed out, or could not be reached).

    Conditional on the chat still being held by the same claimant, so a concurrent claim, end
    or transfer wins. Returns whether the chat was requeued. The claimant stays one of the
    operators who took part, and the first claim keeps counting the chat's times.
    """
    claimant = chat.claimed_by
    reason = ChatEvent.Reason(reason)
    with transaction.atomic():
        now = timezone.now()
        requeued = PatronChat.objects.filter(
            pk=chat.pk, state=PatronChat.State.ACTIVE, claimed_by=claimant
        ).update(
            state=PatronChat.State.WAITING,
            claimed_by=None,
            claimed_at=None,
            unclaimed_alert_at=None,
            queued_at=_front_of_queue(chat),
        )
        if not requeued:
            return False
        _record(chat, ChatEvent.Kind.REQUEUED, at=now, operator=claimant, reason=reason)
        _released(chat)
        chat.refresh_from_db()
        to_claimant = operator_text(claimant, partial(_requeued_to_claimant, reason))
        to_patron = _requeued_to_patron(chat=chat, claimant=claimant, reason=reason)
        transaction.on_commit(partial(_announce_requeued, chat, claimant, to_patron, to_claimant))
        chat_system_line(chat=chat, line=f"requeued_{reason.value}", who=claimant.name)
    return True


def _requeued_to_claimant(reason: ChatEvent.Reason) -> str:
    # A whole sentence per reason: a reason's label does not fit into another language's sentence.
    if reason == ChatEvent.Reason.SIGNED_OUT:
        return gettext("The chat went back to the queue: you signed out.")
    return gettext("The chat went back to the queue: you could not be reached.")


def _requeued_to_patron(*, chat: PatronChat, claimant: Operator, reason: ChatEvent.Reason) -> str:
    """The stored line's sentence, in the patron's language (the line itself stays as stored)."""
    with translation.override(chat.language):
        if reason == ChatEvent.Reason.SIGNED_OUT:
            text = gettext("%(name)s signed out. You are back at the front of the line.")
        else:
            text = gettext("%(name)s could not be reached. You are back at the front of the line.")
    return text % {"name": claimant.name}


def _announce_requeued(chat: PatronChat, claimant: Operator, text: str, to_claimant: str) -> None:
    live_send(patron_group(chat.pk), {"event": "chat.requeued", "message": text})
    live_send(
        operator_group(claimant.pk),
        {"event": "chat.ended", "chat_id": chat.pk, "message": to_claimant, "moved_on": True},
    )
    _announce_queued(chat.pk)


def chat_transfer(
    *,
    chat: PatronChat,
    operator: Operator,
    to_operator: Operator | None = None,
    to_department: Department | None = None,
    note: str = "",
) -> PatronChat:
    """Hand a claimed chat to another operator who could claim it (once they accepted the
    offer: `chats.services.offers`), or back into a department's queue.

    The note is for staff only; the patron is told who took over.
    """
    if (to_operator is None) == (to_department is None):
        raise ChatInvalid(gettext("Transfer to an operator or to a department."))
    if to_operator is not None and (
        to_operator.pk == operator.pk
        or to_operator.system_id != operator.system_id
        or not operator_takes_chats(operator=to_operator)
    ):
        raise ChatInvalid(
            gettext("%(name)s cannot take chats right now.") % {"name": to_operator.name}
        )
    if to_department is not None and (
        not to_department.active or to_department.system_id != operator.system_id
    ):
        raise ChatInvalid(gettext("%(name)s does not take chats.") % {"name": to_department.name})
    note = note.strip()[:MESSAGE_MAX_CHARS]
    with transaction.atomic():
        locked = PatronChat.objects.select_for_update().get(pk=chat.pk)
        if locked.state != PatronChat.State.ACTIVE or locked.claimed_by_id != operator.pk:
            raise ChatAccessDenied(
                gettext("Only the operator who holds this chat can transfer it.")
            )
        _released(locked)
        target = to_operator.name if to_operator else to_department.name
        if note:
            locked.internal_note = "\n".join(
                filter(None, [locked.internal_note, f"{operator.name} → {target}: {note}"])
            )
        now = timezone.now()
        if to_operator:
            locked.claimed_by = to_operator
            locked.claimed_at = now
            kind = ChatEvent.Kind.TRANSFERRED
        else:
            locked.state = PatronChat.State.WAITING
            locked.claimed_by = None
            locked.claimed_at = None
            locked.department = to_department
            locked.queued_at = now
            locked.unclaimed_alert_at = None
            kind = ChatEvent.Kind.TO_DEPARTMENT
        locked.save()
        _record(
            locked,
            kind,
            at=now,
            operator=operator,
            to_operator=to_operator,
            to_department=to_department,
            note=note,
        )
        transaction.on_commit(partial(_announce_transferred, locked, operator, target))
        system_line_create(
            chat=locked,
            line="transferred",
            args={"who": operator.name, "target": target},
            holder=to_operator,
        )
    return locked


def _announce_transferred(chat: PatronChat, by: Operator, target: str) -> None:
    live_send(
        operator_group(by.pk),
        {
            "event": "chat.ended",
            "chat_id": chat.pk,
            "message": operator_text(
                by,
                lambda: (
                    gettext("You transferred the chat to %(name)s.") % {"name": target}
                    if chat.claimed_by_id
                    else gettext("You transferred the chat to %(name)s's queue.") % {"name": target}
                ),
            ),
            "moved_on": True,
        },
    )
    if chat.claimed_by_id:
        live_send(patron_group(chat.pk), {"event": "chat.claimed", "operator": target})
        summary = selectors.chat_summary(chat)
        # The chat's lines from LibChat in the language of the one who now holds it.
        messages = operator_text(chat.claimed_by, lambda: selectors.chat_messages(chat_id=chat.pk))
        live_send(
            operator_group(chat.claimed_by_id),
            {"event": "chat.opened", "chat": {**summary, "messages": messages}},
        )
    else:
        live_send(patron_group(chat.pk), {"event": "chat.transferred", "department": target})
        _announce_queued(chat.pk)


def chat_patron_seen(*, chat: PatronChat) -> None:
    """The patron's page is there (it connected, or answered a ping)."""
    PatronChat.objects.filter(pk=chat.pk).update(patron_seen_at=timezone.now())


def chat_patron_page(*, chat_id: int, here: bool) -> None:
    """The patron's page connected (`here`) or went away: the claimant's pane says so."""
    chat = PatronChat.objects.filter(pk=chat_id, state=PatronChat.State.ACTIVE).first()
    if chat is not None:
        event = "chat.patron_here" if here else "chat.patron_away"
        live_send(operator_group(chat.claimed_by_id), {"event": event, "chat_id": chat.pk})
