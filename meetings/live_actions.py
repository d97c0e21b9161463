"""Meeting signalling on the staff dashboard socket: join, leave, signal, state, decline, remove,
and the offer of a screenshare to the patron of a claimed chat."""

from django.conf import settings

from libchat.core.db import database_sync_to_async
from libchat.core.live import dashboard_action, on_dashboard_disconnect
from libchat.core.protocol import FrameError
from meetings import services
from meetings.models import Meeting, Participant


def _meeting_id(frame: dict) -> int:
    meeting_id = frame.get("meeting")
    if not isinstance(meeting_id, int):
        raise FrameError("bad_frame", 'Say which meeting: {"meeting": <id>}.')
    return meeting_id


@database_sync_to_async
def _run(operation, **kwargs):
    try:
        return operation(**kwargs)
    except services.MeetingError as error:
        raise FrameError(error.code, error.message) from error


@database_sync_to_async
def _meeting(meeting_id: int) -> Meeting:
    meeting = Meeting.objects.filter(pk=meeting_id).first()
    if meeting is None:
        raise FrameError("not_in_meeting", "No such meeting.")
    return meeting


@database_sync_to_async
def _my_participant(consumer, meeting_id: int) -> Participant:
    participant = Participant.objects.filter(
        meeting_id=meeting_id, operator=consumer.operator, left_at__isnull=True,
        channel_name=consumer.channel_name,
    ).first()  # fmt: skip
    if participant is None:
        raise FrameError("not_in_meeting", "You are not in this meeting.")
    return participant


async def meeting_joined_reply(consumer, participant: Participant, others: list[Participant]):
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
    elif action == "meeting.leave":
        services.meeting_leave(participant=participant)


@dashboard_action("meeting.offer")
async def offer(consumer, frame):
    meeting = await _run(
        services.patron_screenshare_offer, operator=consumer.operator, chat_id=frame.get("chat_id")
    )
    await consumer.send_json(
        {"event": "meeting.offered", "meeting": meeting.pk, "chat_id": meeting.patron_chat_id,
         "title": meeting.title}
    )  # fmt: skip


@dashboard_action("meeting.join")
async def join(consumer, frame):
    meeting = await _meeting(_meeting_id(frame))
    participant, others = await _run(
        services.meeting_join,
        meeting=meeting, operator=consumer.operator, channel_name=consumer.channel_name,
    )  # fmt: skip
    await meeting_joined_reply(consumer, participant, others)


async def _participant_action(consumer, frame):
    participant = await _my_participant(consumer, _meeting_id(frame))
    await _run(participant_act, participant=participant, action=frame["action"], frame=frame)


for _action in ("meeting.leave", "meeting.signal", "meeting.state"):
    dashboard_action(_action)(_participant_action)


@dashboard_action("meeting.decline")
async def decline(consumer, frame):
    meeting = await _meeting(_meeting_id(frame))
    await _run(services.meeting_decline, meeting=meeting, operator=consumer.operator)


@dashboard_action("meeting.remove")
async def remove(consumer, frame):
    meeting = await _meeting(_meeting_id(frame))
    await _run(
        services.guest_remove,
        meeting=meeting, by=consumer.operator, participant_id=frame.get("participant"),
    )  # fmt: skip


@on_dashboard_disconnect
async def leave_on_close(consumer):
    await database_sync_to_async(services.participants_leave_channel)(
        channel_name=consumer.channel_name
    )
