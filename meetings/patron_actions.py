"""Meeting actions on the patron's chat socket (`chats.consumers`), where the chat's token is the
only credential: the patron accepts (joins) or declines the screenshare offered in their own chat,
then signals, shares and leaves it like any participant. Every frame is checked again."""

from libchat.core.db import database_sync_to_async
from libchat.core.protocol import FrameError
from meetings import selectors, services
from meetings.live_actions import meeting_joined_reply, participant_act

PATRON_MEETING_ACTIONS = {
    "meeting.join",
    "meeting.decline",
    "meeting.signal",
    "meeting.state",
    "meeting.leave",
}


def _act(consumer, action: str, frame: dict):
    chat, meeting_id = consumer.chat, frame.get("meeting")
    if action == "meeting.join":
        meeting = services.patron_meeting_get(chat=chat, meeting_id=meeting_id)
        return services.meeting_join(
            meeting=meeting, patron_chat=chat, channel_name=consumer.channel_name
        )
    if action == "meeting.decline":
        return services.patron_screenshare_decline(chat=chat, meeting_id=meeting_id)
    participant = selectors.participant_on_channel(
        meeting_id=services.id_from_frame(meeting_id),
        channel_name=consumer.channel_name,
        patron_chat=chat,
    )
    if participant is None:
        raise services.MeetingError("not_in_meeting", "You are not in that meeting.")
    return participant_act(participant, action, frame)


async def patron_meeting_act(consumer, action: str, frame: dict) -> None:
    try:
        joined = await database_sync_to_async(_act)(consumer, action, frame)
    except services.MeetingError as error:
        raise FrameError(error.code, error.message) from error
    if action == "meeting.join":
        await meeting_joined_reply(consumer, *joined)


async def patron_meetings_leave(consumer) -> None:
    """The patron's socket closed: they left whatever screenshare they were in."""
    for group in consumer.joined:
        await consumer.channel_layer.group_discard(group, consumer.channel_name)
    await database_sync_to_async(services.participants_leave_channel)(
        channel_name=consumer.channel_name
    )
