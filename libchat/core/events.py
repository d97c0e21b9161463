"""Every frame the server sends to a socket, by name, with the fields the pages read from it
(in the spirit of Zulip's `event_schema.py`).

A server frame is `{"event": <name>, **fields}`. Names are `noun.verb`, lower case, the noun
being what the frame is about (`chat.claimed`, `meeting.joined`, `widget.status`); only the three
frames every socket shares are bare words: `hello` (the staff socket's first frame), `ping` and
`error`. One name has one meaning and one set of required fields on every socket that carries
it: a patron's page and the claimant's dashboard both get `chat.message` with its `chat_id`.
A frame may carry more fields than are listed; the listed ones it must carry, of the listed types.

Frames are built inline where they are sent; a new event is added here first. The test suite
checks every frame a consumer sends against this catalogue (`event_check`, wired in by
`tests/conftest.py`), so a renamed event or a dropped field fails a test instead of a page. The
check is not run in production: the frames are the server's own.
"""

from typing import Any

_ID = int
_TEXT = str
_OPTIONAL_TEXT = (str, type(None))
_OPTIONAL_ID = (int, type(None))

EVENTS: dict[str, dict[str, type | tuple[type, ...]]] = {
    # Every socket
    "ping": {},
    "error": {"code": _TEXT, "message": _TEXT},
    # The staff dashboard socket (accounts.consumers)
    "hello": {"libchat_online": bool, "me": dict},
    "presence.changed": {"libchat_online": bool, "operators": list},
    # The message, when not empty, is shown instead of the reason's usual words.
    "session.ended": {"reason": _TEXT, "message": _TEXT},
    # A desk's scheduled sign-off: the warning a minute before, or, to an operator holding
    # chats at the time, that they will be signed out when their last chat ends.
    "session.sign_off": {"message": _TEXT},
    # Patron chats, on the claimant's and the queue's dashboards (chats)
    # A Waiting list (sync, waiting_list) says when it was read (`as_of`) and a chat joining or
    # leaving a queue when that was (`at`), both server epoch seconds: frames from different
    # processes may arrive out of order, and a list read before a change must not undo it.
    "chat.sync": {"waiting": list, "mine": list, "offers": list, "as_of": float},
    "chat.waiting": {"chat": dict, "at": float},
    "chat.waiting_list": {"waiting": list, "as_of": float},
    # A widget's offline tickets changed: each dashboard asks for its own open count (new: rings).
    "tickets.changed": {"new": bool},
    "chat.unqueued": {
        "chat_id": _ID,
        "claimed_by": _OPTIONAL_TEXT,
        "claimed_by_id": _OPTIONAL_ID,
        "at": float,
    },
    "chat.alert": {"chat": dict},
    "chat.opened": {"chat": dict},
    "chat.claim_failed": {"chat_id": _ID, "message": _TEXT},
    "chat.targets": {"operators": list, "departments": list},
    "chat.sent": {"chat_id": _ID, "client_msg_id": _TEXT},
    "chat.patron_here": {"chat_id": _ID},
    "chat.patron_away": {"chat_id": _ID},
    "chat.lookers": {"chat_id": _ID, "lookers": list},
    "chat.offer": {"offer": dict},
    "chat.offer_made": {"chat_id": _ID, "message": _TEXT},
    "chat.offer_closed": {"offer_id": _ID, "chat_id": _ID, "message": _TEXT},
    "chat.transfer_answered": {"chat_id": _ID, "message": _TEXT},
    # Patron chats, on both sides: the patron's page (chats.consumers) and the claimant's dashboard
    "chat.message": {"chat_id": _ID, "message": dict},
    "chat.typing": {"chat_id": _ID},  # to the patron also the typing operator's name
    # To the patron also `widget_online: false` when the widget is offline for them from now on
    # (they were blocked), whatever its status socket says to every other patron.
    "chat.ended": {"chat_id": _ID, "message": _TEXT},
    # Patron chats, on the patron's page only
    "chat.hello": {"state": _TEXT, "position": _OPTIONAL_ID, "question": _TEXT, "screenshare": Any},
    "chat.history": {"messages": list, "state": _TEXT},
    "chat.queue": {"position": _ID},
    "chat.requeued": {"message": _TEXT},
    "chat.transferred": {"department": _TEXT},
    "chat.claimed": {"operator": _TEXT},
    "chat.emailed": {"to": _TEXT},
    "chat.rated": {},
    # The Reports page's Now panel (reports), to dashboards of operators who may view reports
    "reports.now": {"now": dict},
    # Internal chat rooms (internalchat)
    "room.message": {"room": dict, "message": dict},
    "room.sent": {"client_msg_id": _TEXT, "message_id": _ID},
    "room.read": {"room_id": _ID, "last_read_id": _ID},
    "room.history": {"room_id": _ID, "messages": list, "has_more": bool},
    "room.catch_up": {"messages": list, "complete": bool, "unread": list},
    "mention.new": {"mention_id": _ID, "room": dict, "room_name": _TEXT, "message": dict},
    "mention.read": {"mention_ids": list},
    # Meetings and screenshares, on the dashboard, a guest's socket and the patron's page (meetings)
    "meeting.invite": {"meeting": _ID, "kind": _TEXT, "title": _TEXT, "from": _TEXT, "url": _TEXT},
    "meeting.offered": {"meeting": _ID, "chat_id": _ID, "title": _TEXT},
    "meeting.declined": {"meeting": _ID, "by": _TEXT},
    "meeting.joined": {"meeting": _ID, "me": dict, "participants": list, "ice_servers": list},
    "meeting.signal": {"meeting": _ID, "from": _ID, "signal": dict},
    "meeting.annotation": {"meeting": _ID, "from": _ID, "annotation": dict},
    "meeting.ended": {"meeting": _ID},
    "meeting.removed": {"message": _TEXT},
    "participant.joined": {"meeting": _ID, "participant": dict},
    "participant.left": {"meeting": _ID, "participant": _ID},
    "participant.state": {"meeting": _ID, "participant": dict},
    "screenshare.offer": {"meeting": _ID, "operator": _TEXT},
    # The public widget-status socket (widgets)
    "widget.status": {"online": bool},
}


class EventMismatch(ValueError):
    """A frame the catalogue does not describe: an unknown name, or a field missing or mistyped."""


def event_check(frame: Any) -> None:
    """Raise EventMismatch unless `frame` is a catalogued event carrying its required fields."""
    if not isinstance(frame, dict) or not isinstance(frame.get("event"), str):
        raise EventMismatch(f'A server frame is an object with an "event": {frame!r:.200}')
    name = frame["event"]
    if name not in EVENTS:
        raise EventMismatch(f"Unknown event {name!r}: add it to libchat.core.events.EVENTS.")
    for field, kind in EVENTS[name].items():
        if field not in frame:
            raise EventMismatch(f"Event {name!r} lacks its field {field!r}: {frame!r:.200}")
        # bool is an int in Python; an id must not be one.
        value = frame[field]
        if kind is not Any and (
            not isinstance(value, kind) or (isinstance(value, bool) and bool not in _types(kind))
        ):
            raise EventMismatch(f"Event {name!r} has {field}={value!r:.80}, not {kind}.")


def _types(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)
