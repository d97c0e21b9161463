"""Internal chat writes and reads: sanitising, idempotency, access, files, history, unread."""

import threading
from contextlib import contextmanager
from datetime import timedelta
from functools import partial

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from internalchat import selectors, services
from internalchat.models import Attachment, Message, ReadMarker, Room, ScrubRun
from libchat.core.models import SiteSettings
from libchat.core.refusals import Refusal
from tests.factories import MessageFactory, OperatorFactory
from tests.files import watch_file_writes

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(room, sender, body="Hello", client_msg_id=None, **kwargs):
    return services.message_send(
        room=room,
        sender=sender,
        body=body,
        client_msg_id=client_msg_id or f"c-{Message.objects.count()}-{body[:8]}",
        **kwargs,
    )


def test_formatting_survives_and_everything_else_is_escaped_or_dropped(reference):
    room, alice, _, _ = reference
    message = send(
        room,
        alice,
        '<b>bold</b> <i>it</i> <u>u</u><br><a href="https://x.example" onclick="x()">link</a>'
        "<img src=x onerror=alert(1)><script>alert(1)</script>&lt;tag&gt; <span>plain</span>",
    )
    assert message.body == (
        '<b>bold</b> <i>it</i> <u>u</u><br><a href="https://x.example" target="_blank" '
        'rel="noopener noreferrer nofollow">link</a>&lt;tag&gt; plain'
    )


def test_a_faq_card_keeps_its_markup(reference):
    room, alice, _, _ = reference
    card = '<div class="faq-card"><b>Hours?</b><br>9 to 5<br><a href="https://l.example/h">https://l.example/h</a></div>'
    assert 'class="faq-card"' in send(room, alice, card).body


@pytest.mark.parametrize(
    "body, code",
    [("", "empty"), ("   <br> <b> </b>", "empty"), ("<script>x</script>", "empty"),
     ("x" * 4001, "too_long"), ("&" * 1000, "too_long")],
)  # fmt: skip
def test_empty_and_over_long_messages_are_refused_and_nothing_is_stored(reference, body, code):
    room, alice, _, _ = reference
    with pytest.raises(Refusal) as refused:
        send(room, alice, body)
    assert refused.value.code == code
    assert not Message.objects.exists()


def test_a_message_of_exactly_4000_characters_is_stored(reference):
    room, alice, _, _ = reference
    assert len(send(room, alice, "y" * 4000).body) == 4000


def test_a_non_member_cannot_post_and_nothing_is_stored(reference):
    room, _, _, eve = reference
    with pytest.raises(services.RoomRefused):
        send(room, eve)
    assert not Message.objects.exists()


def test_direct_rooms_are_for_their_two_operators_only(reference):
    _, alice, bob, eve = reference
    room = services.room_direct_get_or_create(operator=alice, other=bob)
    assert services.room_direct_get_or_create(operator=bob, other=alice) == room
    send(room, bob, "hi Alice")
    assert selectors.room_for_member(operator=eve, room_id=room.pk) is None
    with pytest.raises(services.RoomRefused):
        send(room, eve)
    with pytest.raises(services.RoomRefused):
        services.room_direct_get_or_create(operator=alice, other=alice)


def test_everyone_active_may_use_all_staff_but_not_inactive_accounts(reference):
    _, _, _, eve = reference
    room = services.room_all_staff_get_or_create()
    assert services.room_all_staff_get_or_create() == room
    send(room, eve, "Announcement")
    gone = OperatorFactory(is_active=False)
    assert selectors.room_for_member(operator=gone, room_id=room.pk) is None


def test_the_same_client_msg_id_is_stored_once_and_returns_the_stored_message(reference):
    room, alice, _, _ = reference
    first = send(room, alice, "Once", client_msg_id="abc")
    again = send(room, alice, "Once (retry)", client_msg_id="abc")
    assert again.pk == first.pk
    assert again.body == "Once"
    assert Message.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_client_msg_id_sent_concurrently_is_stored_once(reference):
    room, alice, _, _ = reference
    barrier = threading.Barrier(8)
    ids = []

    def retry():
        try:
            barrier.wait()
            ids.append(send(room, alice, "Race", client_msg_id="same").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Message.objects.count() == 1
    assert ids == [Message.objects.get().pk] * 8


def test_read_watermark_moves_forward_only_and_unread_counts_others_messages(reference):
    room, alice, bob, _ = reference
    first = send(room, bob, "one")
    send(room, bob, "two")
    send(room, alice, "mine")
    counts = {c.room["id"]: c.unread for c in selectors.unread_counts(operator=alice)}
    assert counts[room.pk] == 2
    services.room_mark_read(room=room, operator=alice, last_id=first.pk)
    counts = {c.room["id"]: c.unread for c in selectors.unread_counts(operator=alice)}
    assert counts[room.pk] == 1
    services.room_mark_read(room=room, operator=alice, last_id=0)
    services.room_mark_read(room=room, operator=alice, last_id=10**9)
    marker = ReadMarker.objects.get(room=room, operator=alice)
    assert marker.last_read_id == room.messages.order_by("-id").first().pk
    counts = {c.room["id"]: c.unread for c in selectors.unread_counts(operator=alice)}
    assert counts[room.pk] == 0


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_history_and_unread_counts_cost_the_same_queries_with_10_and_1000_messages(reference):
    room, alice, bob, _ = reference
    services.room_all_staff_get_or_create()
    direct = services.room_direct_get_or_create(operator=alice, other=bob)
    measured = []
    for total in (10, 1000):
        Message.objects.all().delete()
        for target in (room, direct):
            Message.objects.bulk_create(
                Message(room=target, sender=bob, body=f"m{i}", client_msg_id=f"{target.pk}-{i}")
                for i in range(total)
            )
        newest_id = selectors.room_history(room=room).messages[-1]["id"]
        attachment_message = room.messages.order_by("-id")[3]
        Attachment.objects.create(
            message=attachment_message, file="x.png", original_name="x.png", size=1,
            content_type="image/png",
        )  # fmt: skip
        measured.append(
            (
                _queries(lambda: selectors.room_history(room=room)),
                _queries(partial(selectors.room_history, room=room, before_id=newest_id)),
                _queries(lambda: selectors.unread_counts(operator=alice)),
            )
        )
        counts = {c.room["id"]: c.unread for c in selectors.unread_counts(operator=alice)}
        # Counting stops past what a badge shows ("99+").
        assert counts[room.pk] == counts[direct.pk] == min(total, selectors.UNREAD_COUNTED)
    # A page: the messages, their files, their mentions.
    assert measured[0] == measured[1] == (3, 3, 1)


def test_history_pages_back_by_50_until_the_start(reference):
    room, alice, _, _ = reference
    MessageFactory.create_batch(120, room=room, sender=alice)
    ids = list(room.messages.order_by("id").values_list("id", flat=True))
    page = selectors.room_history(room=room)
    assert [m["id"] for m in page.messages] == ids[-50:] and page.has_more
    page = selectors.room_history(room=room, before_id=page.messages[0]["id"])
    assert [m["id"] for m in page.messages] == ids[-100:-50] and page.has_more
    page = selectors.room_history(room=room, before_id=page.messages[0]["id"])
    assert [m["id"] for m in page.messages] == ids[:20] and not page.has_more


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_file_is_stored_under_a_random_name_with_the_detected_type(reference):
    room, alice, _, _ = reference
    message = send(room, alice, "", files=[upload("Photo.PNG", PNG, "text/html")])
    attachment = message.attachments.get()
    assert attachment.original_name == "Photo.PNG"
    assert attachment.content_type == "image/png"
    assert "Photo" not in attachment.file.name
    assert default_storage.exists(attachment.file.name)


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("report.pdf", b"%PDF" + b"x" * (2 * 1024 * 1024), "file_too_big"),
        ("tool.exe", b"MZ\x90\x00" + b"\x00" * 200, "file_type"),
        ("photo.png", PDF, "file_type_mismatch"),
        ("notes.txt", PNG, "file_type_mismatch"),
        ("../../etc/passwd.txt", b"root:x:0:0", "bad_file_name"),
        ("dir\\evil.txt", b"hello", "bad_file_name"),
        ("empty.txt", b"", "empty_file"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(reference, settings, name, content, code):
    settings.LIBCHAT_MAX_UPLOAD_MB = 1
    room, alice, _, _ = reference
    file = upload("x", content)
    # As a hostile caller would pass it, path included (Django's multipart parser also strips
    # paths from uploads; the service does not rely on that).
    file._name = name
    with pytest.raises(Refusal) as refused:
        send(room, alice, "with a file", files=[file])
    assert refused.value.code == code
    assert not Message.objects.exists()
    assert not Attachment.objects.exists()


def test_sending_and_announcing_costs_the_same_queries_with_one_file_or_three(
    reference, django_capture_on_commit_callbacks
):
    room, alice, _, _ = reference

    def cost(files: int) -> int:
        uploads = [upload(f"map-{n}.png", PNG) for n in range(files)]
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True) as announced,
        ):
            send(room, alice, "See", client_msg_id=f"files-{files}", files=uploads)
        assert len(announced) == 1  # the announcement ran, and is counted
        return len(captured)

    # Membership, the retry check, the message and the savepoint around the send (the test's
    # transaction is around it; a concurrent retry rolls the whole send back, with no savepoint
    # of its own around the insert), plus on PostgreSQL the room's advisory lock taken and
    # released; the files are one insert, however many; announcing costs none.
    fixed = 5 + (2 if connection.vendor == "postgresql" else 0)
    assert [cost(files) for files in (0, 1, 3)] == [fixed, fixed + 1, fixed + 1]
    sent = Message.objects.get(client_msg_id="files-3")
    assert [a["name"] for a in selectors.message_as_dict(sent)["attachments"]] == [
        "map-0.png",
        "map-1.png",
        "map-2.png",
    ]


@pytest.mark.django_db(transaction=True)
def test_files_are_written_before_the_rooms_send_lock_and_transaction(reference, monkeypatch):
    room, alice, _, _ = reference
    locked = []
    send_lock = services._room_send_lock

    @contextmanager
    def watched_send_lock(room_id):
        with send_lock(room_id):
            locked.append(room_id)
            yield
            locked.pop()

    monkeypatch.setattr(services, "_room_send_lock", watched_send_lock)
    writes = watch_file_writes(monkeypatch, lambda: (bool(locked), connection.in_atomic_block))
    message = send(room, alice, "", files=[upload("a.png", PNG), upload("b.pdf", PDF)])
    assert writes == [(False, False), (False, False)]
    assert [a.original_name for a in message.attachments.all()] == ["a.png", "b.pdf"]
    assert all(default_storage.exists(a.file.name) for a in message.attachments.all())


@pytest.mark.django_db(transaction=True)
def test_the_same_file_sent_concurrently_is_stored_once_and_no_copy_is_left(reference, settings):
    room, alice, _, _ = reference
    barrier = threading.Barrier(6)

    def retry():
        try:
            barrier.wait()
            send(room, alice, "", client_msg_id="same", files=[upload("map.png", PNG)])
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    (attachment,) = Attachment.objects.all()
    on_disk = sorted((settings.MEDIA_ROOT / "internalchat").iterdir())
    assert [f"internalchat/{path.name}" for path in on_disk] == [attachment.file.name]


def test_plain_text_and_pdf_files_are_accepted(reference):
    room, alice, _, _ = reference
    message = send(room, alice, "", files=[upload("notes.txt", "café notes\n".encode())])
    assert message.attachments.get().content_type == "text/plain"
    message = send(room, alice, "", files=[upload("guide.pdf", PDF)])
    assert message.attachments.get().content_type == "application/pdf"


def _age(message, days):
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=days))


def test_scrub_removes_old_messages_and_their_files_and_records_the_run(reference):
    room, alice, _, _ = reference
    old = send(room, alice, "old", files=[upload("old.png", PNG)])
    old_file = old.attachments.get().file.name
    new = send(room, alice, "new", files=[upload("new.png", PNG)])
    _age(old, 40)
    _age(new, 10)
    settings_row = SiteSettings.load()
    settings_row.scrub_internal_days = 30
    settings_row.save()
    assert services.scrub_preview(days=30) == (1, 1)

    run = services.history_scrub()

    assert list(Message.objects.all()) == [new]
    assert not default_storage.exists(old_file)
    assert default_storage.exists(new.attachments.get().file.name)
    assert (run.messages_removed, run.files_removed) == (1, 1)
    assert run.cutoff < timezone.now() - timedelta(days=29)
    assert ScrubRun.objects.count() == 1


def test_scrub_with_0_days_keeps_everything_and_records_the_run(reference):
    room, alice, _, _ = reference
    _age(send(room, alice, "ancient"), 4000)
    run = services.history_scrub()
    assert Message.objects.count() == 1
    assert (run.cutoff, run.messages_removed, run.files_removed) == (None, 0, 0)
    assert services.scrub_preview(days=0) == (0, 0)


def test_scrub_deletes_in_batches(reference, monkeypatch):
    room, alice, _, _ = reference
    monkeypatch.setattr(services, "SCRUB_BATCH", 7)
    MessageFactory.create_batch(30, room=room, sender=alice)
    Message.objects.update(created_at=timezone.now() - timedelta(days=3))
    SiteSettings.objects.create(scrub_internal_days=1)
    assert services.history_scrub().messages_removed == 30
    assert not Message.objects.exists()


def test_rooms_ensure_creates_department_and_all_staff_rooms_once(reference):
    room, alice, _, _ = reference
    services.rooms_ensure_for(operator=alice)
    services.rooms_ensure_for(operator=alice)
    assert Room.objects.filter(kind="all_staff").count() == 1
    assert {r.pk for r in selectors.rooms_for(operator=alice)} >= {room.pk}


def test_the_daily_beat_task_scrubs_and_is_scheduled(reference, settings):
    from internalchat.tasks import history_scrub_daily

    room, alice, _, _ = reference
    _age(send(room, alice, "old"), 3)
    SiteSettings.objects.create(scrub_internal_days=1)
    assert history_scrub_daily() == 1
    assert ScrubRun.objects.get().messages_removed == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["internal-chat-scrub"]
    assert schedule["task"] == "internalchat.tasks.history_scrub_daily"
