"""Meeting signalling on our sockets, registered through `libchat.core.live`.

On the staff dashboard socket: join, leave, signal, state, annotate, decline, remove, and the offer
of a screenshare to the patron of a claimed chat. On the patron's chat socket, where the chat's
token is the only credential: the patron accepts (joins) or declines the screenshare offered in
their own chat, then signals, shares and leaves it like any participant; `hello` carries an offer
still open after a reload. Every frame is checked again."""

from django.conf import settings
from django.utils.translation import gettext

from chats.models import PatronChat
from libchat.core.db import database_sync_to_async
from libchat.core.live import (
    DashboardSocket,
    PatronSocket,
    Socket,
    dashboard_action,
    on_dashboard_disconnect,
    on_patron_connect,
    on_patron_disconnect,
    patron_action,
)
from libchat.core.protocol import FrameError
from meetings import selectors, services
from meetings.models import Meeting, Participant

PARTICIPANT_ACTIONS = ("meeting.annotate", "meeting.leave", "meeting.signal", "meeting.state")


def _meeting_id(frame: dict) -> int:
    meeting_id = frame.get("meeting")
    if not isinstance(meeting_id, int):
        raise FrameError("bad_frame", gettext('Say which meeting: {"meeting": <id>}.'))
    return meeting_id


@database_sync_to_async
def _meeting(meeting_id: int) -> Meeting:
    meeting = selectors.meeting_by_id(meeting_id=meeting_id)
    if meeting is None:
        raise FrameError("not_in_meeting", gettext("No such meeting."))
    return meeting


@database_sync_to_async
def _my_participant(consumer: DashboardSocket, meeting_id: int) -> Participant:
    participant = selectors.participant_on_channel(
        meeting_id=meeting_id, channel_name=consumer.channel_name, operator=consumer.operator
    )
    if participant is None:
        raise FrameError("not_in_meeting", gettext("You are not in this meeting."))
    return participant


async def meeting_joined_reply(
    consumer: Socket, participant: Participant, others: list[Participant]
) -> None:
    group = services.meeting_group(participant.meeting_id)
    consumer.joined.add(group)
    await consumer.channel_layer.group_add(group, consumer.channel_name)
    await consumer.send_json(
        {
            "event": "meeting.joined",
            "meeting": participant.meeting_id,
            "me": participant.as_event(),
            "participants": [p.as_event() for p in others],
            # Every participant's page needs the STUN/TURN servers, the patron's widget included.
            "ice_servers": settings.LIBCHAT_ICE_SERVERS,
        }
    )


def participant_act(participant: Participant, action: str, frame: dict) -> None:
    """What a participant does in a meeting, whatever socket they are on (run in a db thread)."""
    if action == "meeting.signal":
        services.signal_relay(sender=participant, to=frame.get("to"), signal=frame.get("signal"))
    elif action == "meeting.state":
        services.participant_state_set(
            participant=participant, muted=frame.get("muted") is True,
            sharing=frame.get("sharing") is True,
        )  # fmt: skip
    elif action == "meeting.annotate":
        services.annotation_relay(
            sender=participant, annotation=frame.get("annotation"), to=frame.get("to")
        )
    elif action == "meeting.leave":
        services.meeting_leave(participant=participant)


@dashboard_action("meeting.offer")
async def offer(consumer: DashboardSocket, frame: dict) -> None:
    meeting = await database_sync_to_async(services.patron_screenshare_offer)(
        operator=consumer.operator, chat_id=frame.get("chat_id")
    )
    await consumer.send_json(
        {"event": "meeting.offered", "meeting": meeting.pk, "chat_id": meeting.patron_chat_id,
         "title": meeting.title}
    )  # fmt: skip


@dashboard_action("meeting.join")
async def join(consumer: DashboardSocket, frame: dict) -> None:
    meeting = await _meeting(_meeting_id(frame))
    participant, others = await database_sync_to_async(services.meeting_join)(
        meeting=meeting, operator=consumer.operator, channel_name=consumer.channel_name
    )
    await meeting_joined_reply(consumer, participant, others)


async def _participant_action(consumer: DashboardSocket, frame: dict) -> None:
    participant = await _my_participant(consumer, _meeting_id(frame))
    await database_sync_to_async(participant_act)(participant, frame["action"], frame)


for _action in PARTICIPANT_ACTIONS:
    dashboard_action(_action)(_participant_action)


@dashboard_action("meeting.decline")
async def decline(consumer: DashboardSocket, frame: dict) -> None:
    meeting = await _meeting(_meeting_id(frame))
    await database_sync_to_async(services.meeting_decline)(
        meeting=meeting, operator=consumer.operator
    )


@dashboard_action("meeting.remove")
async def remove(consumer: DashboardSocket, frame: dict) -> None:
    meeting = await _meeting(_meeting_id(frame))
    await database_sync_to_async(services.guest_remove)(
        meeting=meeting, by=consumer.operator, participant_id=frame.get("participant")
    )


@on_dashboard_disconnect
@on_patron_disconnect
async def leave_on_close(consumer: Socket) -> None:
    """The socket closed: its owner left whatever meeting they were in through it (the consumer
    leaves the groups in its `joined`)."""
    await database_sync_to_async(services.participants_leave_channel)(
        channel_name=consumer.channel_name
    )


@on_patron_connect
def screenshare_offer_open(chat: PatronChat) -> dict:
    """An offer still open when the patron's page reloads is shown again."""
    return {"screenshare": selectors.patron_screenshare_running(chat=chat)}


def _patron_join(
    *, chat: PatronChat, meeting_id: object, channel_name: str
) -> tuple[Participant, list[Participant]]:
    meeting = services.patron_meeting_get(chat=chat, meeting_id=meeting_id)
    return services.meeting_join(meeting=meeting, patron_chat=chat, channel_name=channel_name)


def _patron_participant(*, chat: PatronChat, meeting_id: object, channel_name: str) -> Participant:
    participant = selectors.participant_on_channel(
        meeting_id=services.id_from_frame(meeting_id), channel_name=channel_name, patron_chat=chat
    )
    if participant is None:
        raise services.MeetingError("not_in_meeting", gettext("You are not in that meeting."))
    return participant


@patron_action("meeting.join")
async def patron_join(socket: PatronSocket, frame: dict) -> None:
    participant, others = await database_sync_to_async(_patron_join)(
        chat=socket.chat, meeting_id=frame.get("meeting"), channel_name=socket.channel_name,
    )  # fmt: skip
    await meeting_joined_reply(socket, participant, others)


@patron_action("meeting.decline")
async def patron_decline(socket: PatronSocket, frame: dict) -> None:
    await database_sync_to_async(services.patron_screenshare_decline)(
        chat=socket.chat, meeting_id=frame.get("meeting")
    )


async def _patron_participant_action(socket: PatronSocket, frame: dict) -> None:
    participant = await database_sync_to_async(_patron_participant)(
        chat=socket.chat, meeting_id=frame.get("meeting"), channel_name=socket.channel_name,
    )  # fmt: skip
    await database_sync_to_async(participant_act)(
        participant=participant, action=frame["action"], frame=frame
    )


for _action in PARTICIPANT_ACTIONS:
    patron_action(_action)(_patron_participant_action)
