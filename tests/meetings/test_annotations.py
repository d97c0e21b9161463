"""Annotations over a shared screen, on the socket path (pages use it when a peer's data channel
is not open): relayed to the other participants only, malformed ones refused with the socket kept,
Clear all for the sharer and the host only, and a rate limit."""

import math

import pytest
from channels.db import database_sync_to_async

from meetings import services
from meetings.models import Meeting
from meetings.services.annotations import MAX_POINTS
from tests.chats.test_consumers import patron_socket
from tests.factories import OperatorFactory
from tests.live import receive_event
from tests.meetings.test_consumers import group_meeting, guest_socket, invite_guest, joined
from tests.meetings.test_patron_screenshare import accepted, claimed_chats, offered

pytestmark = pytest.mark.django_db(transaction=True)


def stroke(screen, **changes):
    return {
        "screen": screen, "op": "stroke", "stroke": "s1", "tool": "pen", "color": "red",
        "pin": False, "done": False, "points": [[0.2, 0.2], [0.8, 0.8]], **changes,
    }  # fmt: skip


def annotate(meeting_id, annotation, **extra):
    return {"action": "meeting.annotate", "meeting": meeting_id, "annotation": annotation, **extra}


async def three_in_a_meeting():
    host, b, c = await database_sync_to_async(OperatorFactory.create_batch)(3)
    meeting = await group_meeting(host, [b, c])
    people = [await joined(operator, meeting) for operator in (host, b, c)]
    return meeting, people


async def nothing_annotated(socket) -> bool:
    while not await socket.receive_nothing(timeout=0.3):
        if (await socket.receive_json_from())["event"] == "meeting.annotation":
            return False
    return True


async def close_all(*sockets):
    for socket in sockets:
        await socket.disconnect()


async def test_a_stroke_reaches_the_other_participants_and_not_its_author():
    meeting, [(host, host_id), (b, b_id), (c, _)] = await three_in_a_meeting()
    await b.send_json_to(annotate(meeting.pk, stroke(host_id, extra="dropped")))
    for socket in (host, c):
        frame = await receive_event(socket, "meeting.annotation")
        assert frame == {"event": "meeting.annotation", "meeting": meeting.pk, "from": b_id,
                         "annotation": stroke(host_id)}  # fmt: skip
    assert await nothing_annotated(b)
    await close_all(host, b, c)


async def test_a_stroke_sent_to_some_reaches_only_those():
    """A page sends by socket only to the peers its data channel does not reach."""
    meeting, [(host, host_id), (b, b_id), (c, c_id)] = await three_in_a_meeting()
    await b.send_json_to(annotate(meeting.pk, stroke(host_id), to=[c_id]))
    assert (await receive_event(c, "meeting.annotation"))["from"] == b_id
    assert await nothing_annotated(host)
    await close_all(host, b, c)


@pytest.mark.parametrize(
    ("annotation", "code"),
    [
        ("draw", "bad_annotation"),
        ({"screen": "1", "op": "stroke"}, "bad_annotation"),
        ({"op": "erase"}, "bad_annotation"),
        ({"tool": "spray"}, "bad_annotation"),
        ({"color": "#ff0000"}, "bad_annotation"),
        ({"color": "url(javascript:alert(1))"}, "bad_annotation"),
        ({"pin": "yes"}, "bad_annotation"),
        ({"stroke": "<script>"}, "bad_annotation"),
        ({"points": []}, "bad_annotation"),
        ({"points": [[0.5, 1.5]]}, "bad_annotation"),
        ({"points": [[-0.1, 0.5]]}, "bad_annotation"),
        ({"points": [[0.5, None]]}, "bad_annotation"),
        ({"points": [[0.5, True]]}, "bad_annotation"),
        ({"points": [[0.1, 0.2, 0.3]]}, "bad_annotation"),
        ({"points": [[0.5, 0.5]] * (MAX_POINTS + 1)}, "bad_annotation"),
        ({"screen": 10**9}, "not_in_meeting"),
    ],
)
async def test_a_malformed_annotation_is_refused_and_the_socket_kept(annotation, code):
    meeting, [(host, host_id), (b, _), (c, _)] = await three_in_a_meeting()
    bad = {**stroke(host_id), **annotation} if isinstance(annotation, dict) else annotation
    await b.send_json_to(annotate(meeting.pk, bad))
    assert (await receive_event(b, "error"))["code"] == code
    assert await nothing_annotated(host)
    # The socket is still open and a good stroke still goes through.
    await b.send_json_to(annotate(meeting.pk, stroke(host_id)))
    assert (await receive_event(host, "meeting.annotation"))["annotation"] == stroke(host_id)
    await close_all(host, b, c)


def test_numbers_json_cannot_carry_are_refused_too():
    for value in (math.nan, math.inf):
        with pytest.raises(services.MeetingError):
            services.annotation_clean(stroke(1, points=[[value, 0.5]]))


async def test_an_outsider_cannot_annotate_a_meeting():
    meeting, [(host, host_id), (b, _), (c, _)] = await three_in_a_meeting()
    outsider = await database_sync_to_async(OperatorFactory)()
    other_meeting = await group_meeting(outsider, [await database_sync_to_async(OperatorFactory)()])
    socket, _ = await joined(outsider, other_meeting)
    await socket.send_json_to(annotate(meeting.pk, stroke(host_id)))
    assert (await receive_event(socket, "error"))["code"] == "not_in_meeting"
    assert await nothing_annotated(host)
    await close_all(host, b, c, socket)


async def test_the_sharer_and_the_host_may_clear_all_and_the_others_only_their_own():
    meeting, [(host, host_id), (b, b_id), (c, c_id)] = await three_in_a_meeting()
    clear_all_on_b = {"screen": b_id, "op": "clear", "all": True}

    await c.send_json_to(annotate(meeting.pk, clear_all_on_b))
    error = await receive_event(c, "error")
    assert error["code"] == "not_allowed" and "host" in error["message"]
    assert await nothing_annotated(host)

    await c.send_json_to(annotate(meeting.pk, {"screen": b_id, "op": "clear", "all": False}))
    assert (await receive_event(b, "meeting.annotation"))["annotation"]["all"] is False

    for socket, sender_id in ((b, b_id), (host, host_id)):  # the sharer, then the host
        await socket.send_json_to(annotate(meeting.pk, clear_all_on_b))
        frame = await receive_event(c, "meeting.annotation")
        assert frame["from"] == sender_id and frame["annotation"] == clear_all_on_b
    await close_all(host, b, c)


async def test_drawing_faster_than_the_limit_is_refused_with_a_message(settings):
    settings.LIBCHAT_ANNOTATION_FRAMES_PER_SECOND = 2
    meeting, [(host, host_id), (b, _), (c, _)] = await three_in_a_meeting()
    for _ in range(10):  # over the limit within a second even on a slow machine
        await b.send_json_to(annotate(meeting.pk, stroke(host_id)))
    error = await receive_event(b, "error")
    assert error["code"] == "rate_limited" and "Slow down" in error["message"]
    await receive_event(host, "meeting.annotation")  # those within the limit went through
    await close_all(host, b, c)


async def test_a_guest_annotates_over_their_own_socket():
    host, b = await database_sync_to_async(OperatorFactory.create_batch)(2)
    meeting = await group_meeting(host, [b])
    host_socket, host_id = await joined(host, meeting)
    _, tokens = await invite_guest(meeting, host)
    guest = await guest_socket(tokens[0])
    guest_id = (await receive_event(guest, "meeting.joined"))["me"]["id"]
    await guest.send_json_to(annotate(meeting.pk, stroke(host_id)))
    assert (await receive_event(host_socket, "meeting.annotation"))["from"] == guest_id
    # A guest may clear all only on a screen they share; the host is marked for the pages.
    await guest.send_json_to(annotate(meeting.pk, {"screen": host_id, "op": "clear", "all": True}))
    assert (await receive_event(guest, "error"))["code"] == "not_allowed"
    await close_all(host_socket, guest)


async def test_the_patron_and_the_operator_annotate_each_others_screen():
    operator, _, [(chat, token), (_, other_token)] = await claimed_chats(2)
    socket, meeting_id, operator_id = await offered(operator, chat)
    patron, joined_frame = await accepted(token, meeting_id)
    # Another patron of the same librarian cannot draw into this screenshare.
    bystander = await patron_socket(other_token)
    await bystander.send_json_to(annotate(meeting_id, stroke(operator_id)))
    assert (await receive_event(bystander, "error"))["code"] == "not_in_meeting"
    assert await nothing_annotated(socket)
    patron_id = joined_frame["me"]["id"]
    assert [p["host"] for p in joined_frame["participants"]] == [True]
    assert joined_frame["me"]["host"] is False

    await patron.send_json_to(annotate(meeting_id, stroke(operator_id)))
    assert (await receive_event(socket, "meeting.annotation"))["from"] == patron_id
    await socket.send_json_to(annotate(meeting_id, stroke(patron_id, tool="arrow")))
    frame = await receive_event(patron, "meeting.annotation")
    assert frame["from"] == operator_id and frame["annotation"]["tool"] == "arrow"
    await patron.send_json_to(annotate(meeting_id, stroke(operator_id, points=[[2, 2]])))
    assert (await receive_event(patron, "error"))["code"] == "bad_annotation"
    await close_all(socket, patron, bystander)


async def test_annotations_end_with_the_meeting():
    meeting, [(host, host_id), (b, _), (c, _)] = await three_in_a_meeting()
    await database_sync_to_async(services.meeting_end)(
        meeting=await database_sync_to_async(Meeting.objects.get)(pk=meeting.pk)
    )
    await b.send_json_to(annotate(meeting.pk, stroke(host_id)))
    assert (await receive_event(b, "error"))["code"] == "not_in_meeting"
    await close_all(host, b, c)
