"""The socket of a guest invited by email: the personal token in the path is the credential."""

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import translation
from django.utils.translation import gettext

from libchat.core.db import database_sync_to_async
from libchat.core.languages import language_from_accept, scope_accept_language
from libchat.core.live import LiveEvents
from libchat.core.protocol import FrameError, frame_parse, refusal_as_event
from libchat.core.refusals import Refusal
from meetings import services
from meetings.live_actions import meeting_joined_reply, participant_act

CLOSE_REFUSED = 4403


class GuestMeetingConsumer(LiveEvents, AsyncJsonWebsocketConsumer):
    actions = {"meeting.signal", "meeting.state", "meeting.annotate", "meeting.leave"}

    async def connect(self):
        self.joined = set()
        # A guest's pages speak their browser's language (the join page's middleware does the
        # same), so what this socket tells them does too.
        self.language = language_from_accept(scope_accept_language(self.scope))
        with translation.override(self.language):
            await self._join()

    async def _join(self):
        invite = await database_sync_to_async(services.guest_invite_for_token)(
            self.scope["url_route"]["kwargs"]["token"]
        )
        await self.accept()
        try:
            if invite is None or not invite.display_name:
                raise services.MeetingError(
                    "bad_token", gettext("This invitation link is not valid.")
                )
            self.participant, others = await database_sync_to_async(services.meeting_join)(
                meeting=invite.meeting, guest=invite, channel_name=self.channel_name
            )
        except services.MeetingError as error:
            await self.send_json(refusal_as_event(error))
            await self.close(code=CLOSE_REFUSED)
            return
        await meeting_joined_reply(self, self.participant, others)

    async def disconnect(self, code):
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if hasattr(self, "participant"):
            await database_sync_to_async(services.participants_leave_channel)(
                channel_name=self.channel_name
            )

    async def receive(self, text_data=None, bytes_data=None):
        with translation.override(self.language):
            await self._receive(text_data)

    async def _receive(self, text_data):
        frame = None
        try:
            action, frame = frame_parse(text_data, allowed_actions=self.actions)
            if frame.get("meeting") != self.participant.meeting_id:
                raise FrameError("not_in_meeting", gettext("You are not in that meeting."))
            await database_sync_to_async(participant_act)(self.participant, action, frame)
        except Refusal as refusal:
            await self.send_json(refusal_as_event(refusal, frame=frame))

    async def meeting_removed(self, event):
        with translation.override(self.language):
            message = gettext("The host removed you from the meeting.")
        await self.send_json({"event": "meeting.removed", "message": message})
        await self.close(code=CLOSE_REFUSED)
