"""Retention of patron chats and offline tickets: after one number of days the patron's details
and the conversation go (the chat stays for the reports), after another the chat or ticket is
deleted with its files; the daily job works in batches and records each run."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from chats import selectors, services
from chats.errors import ChatInvalid
from chats.models import (
    ChatEvent,
    ChatParticipant,
    ChatTag,
    OfflineTicket,
    PatronAttachment,
    PatronBlock,
    PatronChat,
    PatronMessage,
    RetentionRun,
    TicketReply,
    TranscriptEmail,
)
from chats.services import retention
from libchat.core.models import SiteSettings
from reports import selectors as reports
from reports.filters import ReportFilters
from tests.chats.people import desk
from tests.internalchat.test_services import PNG

pytestmark = pytest.mark.django_db

CHAT_TIMES = ["created_at", "queued_at", "claimed_at", "first_claimed_at", "first_response_at"]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "chats"
    return sorted(folder.iterdir()) if folder.exists() else []


def aged(chat: PatronChat, days: int) -> PatronChat:
    """The chat as if it had happened `days` days ago: every time moved back together, so its
    wait, first response and handling stay what they were."""
    back = timedelta(days=days)
    PatronChat.objects.filter(pk=chat.pk).update(
        ended_at=F("ended_at") - back,
        **{name: F(name) - back for name in CHAT_TIMES},
    )
    ChatEvent.objects.filter(chat=chat).update(at=F("at") - back)
    ChatParticipant.objects.filter(chat=chat).update(joined_at=F("joined_at") - back)
    return PatronChat.objects.get(pk=chat.pk)


def full_chat(d, *, days: int, tag: ChatTag | None = None, file: bool = True) -> PatronChat:
    """A chat `days` old with everything a patron leaves: their details, page, browser, words,
    a file from the operator, a rating with a comment, a staff note; and a tag."""
    operator = d.operators[0]
    chat, _ = services.chat_start(
        widget=d.widget,
        name="Ada Lovelace",
        email="ada@example.org",
        question="Do you have my thesis?",
        page_url="https://library.example/catalogue?q=ada",
        patron_ref="f" * 32,
        user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0",
        address_hash="a" * 64,
    )
    services.chat_claim(chat=chat, operator=operator)
    services.message_send(chat=chat, body="My card number is 1234.")
    files = [SimpleUploadedFile("map.png", PNG, "image/png")] if file else ()
    services.message_send(chat=chat, operator=operator, body="Here, Ada.", files=files)
    if tag:
        services.chat_tag_set(chat=chat, tag_id=tag.pk, on=True)
    services.chat_end(chat=chat, operator=operator, note="Ada owes a fine")
    services.chat_rate(chat=PatronChat.objects.get(pk=chat.pk), rating=4, comment="Ada: thanks!")
    return aged(chat, days)


def ticket(d, *, days: int) -> OfflineTicket:
    left = OfflineTicket.objects.create(
        widget=d.widget, name="Ada", email="ada@example.org", question="My thesis?"
    )
    TicketReply.objects.create(ticket=left, kind="note", body="Ada called too", operator=None)
    OfflineTicket.objects.filter(pk=left.pk).update(
        created_at=F("created_at") - timedelta(days=days)
    )
    return left


def retention_set(*, delete: int = 0, anonymise: int = 0) -> None:
    site = SiteSettings.load()
    site.delete_patron_chats_days = delete
    site.anonymise_patron_chats_days = anonymise
    site.save()


def run(capture) -> RetentionRun:
    """A run, its commits' callbacks (the files leaving storage) carried out."""
    with capture(execute=True):
        return services.patron_retention_run()


# ---- Off by default -------------------------------------------------------------------------


def test_retention_is_off_by_default_and_a_run_keeps_everything(
    django_capture_on_commit_callbacks, settings
):
    d = desk()
    chat = full_chat(d, days=4000)
    ticket(d, days=4000)
    site = SiteSettings.load()
    assert (site.delete_patron_chats_days, site.anonymise_patron_chats_days) == (0, 0)
    done = run(django_capture_on_commit_callbacks)
    assert (done.chats_deleted, done.chats_anonymised, done.files_deleted) == (0, 0, 0)
    assert (done.tickets_deleted, done.tickets_anonymised) == (0, 0)
    assert done.complete and done.finished_at
    assert PatronChat.objects.get(pk=chat.pk).name == "Ada Lovelace"
    assert len(stored_files(settings)) == 1


# ---- Deleting -------------------------------------------------------------------------------


def test_chats_and_tickets_older_than_the_days_are_deleted_with_everything_and_their_files(
    django_capture_on_commit_callbacks, settings
):
    d = desk()
    old = full_chat(d, days=40)
    recent = full_chat(d, days=20)
    old_ticket, recent_ticket = ticket(d, days=40), ticket(d, days=20)
    assert len(stored_files(settings)) == 2
    retention_set(delete=30)
    assert services.retention_preview(delete_days=30, anonymise_days=0) == (
        retention.RetentionPreview(
            chats_deleted=1,
            tickets_deleted=1,
            files_deleted=1,
            chats_anonymised=0,
            tickets_anonymised=0,
        )
    )

    done = run(django_capture_on_commit_callbacks)

    assert (done.chats_deleted, done.tickets_deleted, done.files_deleted) == (1, 1, 1)
    assert list(PatronChat.objects.all()) == [recent]
    for model in (PatronMessage, ChatEvent, ChatParticipant):
        assert not model.objects.filter(chat_id=old.pk).exists()
    assert not PatronAttachment.objects.filter(message__chat_id=old.pk).exists()
    assert not PatronChat.tags.through.objects.filter(patronchat_id=old.pk).exists()
    assert list(OfflineTicket.objects.all()) == [recent_ticket]
    assert not TicketReply.objects.filter(ticket_id=old_ticket.pk).exists()
    assert len(stored_files(settings)) == 1  # the recent chat's
    assert PatronAttachment.objects.get().message.chat_id == recent.pk


def test_a_waiting_or_active_chat_is_never_deleted_nor_anonymised(
    django_capture_on_commit_callbacks,
):
    d = desk()
    waiting, _ = services.chat_start(widget=d.widget, name="Ada", question="Still there?")
    active, _ = services.chat_start(widget=d.widget, name="Bob", question="Hello?")
    services.chat_claim(chat=active, operator=d.operators[0])
    for chat in (waiting, active):  # started long ago, never ended
        PatronChat.objects.filter(pk=chat.pk).update(
            **{name: F(name) - timedelta(days=400) for name in ["created_at", "queued_at"]}
        )
    retention_set(delete=30, anonymise=10)
    assert services.retention_preview(delete_days=30, anonymise_days=10).chats_deleted == 0

    done = run(django_capture_on_commit_callbacks)

    assert (done.chats_deleted, done.chats_anonymised) == (0, 0)
    assert {(c.name, c.anonymised_at) for c in PatronChat.objects.all()} == {
        ("Ada", None),
        ("Bob", None),
    }


def test_a_block_outlives_the_chat_it_was_made_from(django_capture_on_commit_callbacks):
    d = desk()
    chat, _ = services.chat_start(
        widget=d.widget, question="Rude words", patron_ref="e" * 32, address_hash="b" * 64
    )
    services.chat_claim(chat=chat, operator=d.operators[0])
    block = services.patron_block(
        chat=chat, operator=d.operators[0], duration="lifted", reason="Abuse"
    )
    aged(chat, 100)
    retention_set(delete=30)

    assert run(django_capture_on_commit_callbacks).chats_deleted == 1

    block.refresh_from_db()
    assert block.chat_id is None and block.lifted_at is None
    assert (block.patron_ref, block.address_hash) == ("e" * 32, "b" * 64)
    assert PatronBlock.objects.count() == 1


# ---- Anonymising ----------------------------------------------------------------------------


def test_anonymising_removes_the_patrons_details_and_words_and_keeps_the_statistics(
    django_capture_on_commit_callbacks, settings
):
    d = desk()
    research = ChatTag.objects.create(name="Research")
    chat = full_chat(d, days=40, tag=research)
    ticket_left = ticket(d, days=40)
    today = timezone.localdate()
    week = ReportFilters(start=today - timedelta(days=45), end=today, grain="day")
    before = reports.summary(week), reports.tag_counts(week)
    assert before[0]["chats"] == 1 and before[0]["rated"] == 1
    emailed = TranscriptEmail.objects.create(chat=chat, to="ada@example.org", status="sent")
    retention_set(anonymise=30)
    preview = services.retention_preview(delete_days=0, anonymise_days=30)
    assert (preview.chats_anonymised, preview.tickets_anonymised) == (1, 1)

    done = run(django_capture_on_commit_callbacks)

    assert (done.chats_anonymised, done.tickets_anonymised, done.files_deleted) == (1, 1, 1)
    assert stored_files(settings) == []
    after = PatronChat.objects.get(pk=chat.pk)
    gone = ["name", "email", "question", "comment", "internal_note", "page_url", "browser"]
    assert all(getattr(chat, name) for name in [*gone, "patron_ref", "address_hash"])
    assert {name: getattr(after, name) for name in gone} == dict.fromkeys(gone, "")
    assert (after.patron_ref, after.address_hash) == ("", "")
    assert after.anonymised_at is not None
    emailed.refresh_from_db()  # when and whether it went stay; the address goes
    assert (emailed.to, emailed.status) == ("", "sent")
    kept = ["widget_id", "department_id", "rating", "ended_at", "language", *CHAT_TIMES]
    assert {name: getattr(after, name) for name in kept} == {
        name: getattr(chat, name) for name in kept
    }
    assert list(after.tags.all()) == [research]
    assert list(after.participants.values_list("operator", flat=True)) == [d.operators[0].pk]
    assert after.events.count() == chat.events.count()
    assert not after.events.exclude(note="").exists()
    lines = PatronMessage.objects.filter(chat=after).exclude(sender=PatronMessage.Sender.SYSTEM)
    assert set(lines.values_list("body", flat=True)) == {retention.REMOVED_TEXT}
    assert not PatronAttachment.objects.exists()
    assert (reports.summary(week), reports.tag_counts(week)) == before
    left = OfflineTicket.objects.get(pk=ticket_left.pk)
    assert (left.name, left.email, left.question) == ("", "", "")
    assert left.anonymised_at and left.replies.get().body == retention.REMOVED_TEXT


def test_the_csv_export_gives_the_same_row_once_anonymised_but_the_comment(
    client, django_capture_on_commit_callbacks
):
    d = desk(operators=1)
    full_chat(d, days=40, tag=ChatTag.objects.create(name="Research"), file=False)
    client.force_login(d.operators[0])

    def exported() -> list[list[str]]:
        response = client.get("/dashboard/transcripts/export.csv")
        text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
        return list(csv.reader(io.StringIO(text)))

    header, before = exported()
    retention_set(anonymise=30)
    run(django_capture_on_commit_callbacks)
    _, after = exported()

    comment = header.index("Comment")
    assert before[comment] == "Ada: thanks!" and after[comment] == ""
    assert before[:comment] + before[comment + 1 :] == after[:comment] + after[comment + 1 :]
    assert after[header.index("Tags")] == "Research" and after[header.index("Rating")] == "4"


def test_libchats_own_lines_are_kept_unless_they_name_the_patron(
    django_capture_on_commit_callbacks,
):
    d = desk(operators=1)
    chat, _ = services.chat_start(widget=d.widget, name="Ada Lovelace", question="Maps?")
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.chat_end(chat=chat)  # by the patron: "Ada Lovelace ended the chat."
    aged(chat, 40)
    system = PatronMessage.objects.filter(chat=chat, sender=PatronMessage.Sender.SYSTEM)
    joined = f"{d.operators[0].name} joined the chat."
    assert set(system.values_list("body", flat=True)) == {joined, "Ada Lovelace ended the chat."}
    retention_set(anonymise=30)

    run(django_capture_on_commit_callbacks)

    assert set(system.values_list("body", flat=True)) == {joined, retention.REMOVED_TEXT}
    # Nothing is left to write the name out in another language either.
    with translation.override("fr"):
        read = [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]
    assert "Ada" not in " ".join(read) and retention.REMOVED_TEXT in read


def test_an_anonymised_chat_is_not_anonymised_again_and_says_so_on_its_transcript(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    chat = full_chat(d, days=40, file=False)
    retention_set(anonymise=30)
    first = run(django_capture_on_commit_callbacks)
    anonymised_at = PatronChat.objects.get(pk=chat.pk).anonymised_at
    assert first.chats_anonymised == 1

    again = run(django_capture_on_commit_callbacks)

    assert again.chats_anonymised == 0
    assert PatronChat.objects.get(pk=chat.pk).anonymised_at == anonymised_at
    client.force_login(d.operators[0])
    page = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert f"Anonymised on {timezone.localdate(anonymised_at):%m/%d/%Y}" in page
    assert "removed by the library&#x27;s retention setting" in page
    assert "Lovelace" not in page and "card number" not in page
    text = client.get(f"/dashboard/transcripts/{chat.pk}/text/").content.decode()
    assert "Anonymised on" in text and "Lovelace" not in text and "Here, Ada" not in text


def test_an_anonymised_ticket_says_so_and_takes_no_more_answers(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    left = ticket(d, days=40)
    retention_set(anonymise=30)
    run(django_capture_on_commit_callbacks)
    client.force_login(d.operators[0])
    page = client.get(f"/dashboard/tickets/{left.pk}/").content.decode()
    assert "Anonymised on" in page and "Send Answer" not in page
    listing = client.get("/dashboard/tickets/").content.decode()
    assert f'<a href="/dashboard/tickets/{left.pk}/">Anonymised on ' in listing
    assert "mailto:" not in listing
    with pytest.raises(ChatInvalid):
        services.ticket_reply_add(
            ticket=OfflineTicket.objects.get(pk=left.pk),
            operator=d.operators[0],
            body="Here it is",
            kind="answer",
        )


def test_a_chat_due_for_both_is_deleted_not_anonymised(django_capture_on_commit_callbacks):
    d = desk()
    full_chat(d, days=100, file=False)
    middle = full_chat(d, days=40, file=False)
    full_chat(d, days=5, file=False)
    retention_set(delete=60, anonymise=30)
    preview = services.retention_preview(delete_days=60, anonymise_days=30)
    assert (preview.chats_deleted, preview.chats_anonymised) == (1, 1)

    done = run(django_capture_on_commit_callbacks)

    assert (done.chats_deleted, done.chats_anonymised) == (1, 1)
    assert list(PatronChat.objects.filter(anonymised_at__isnull=False)) == [middle]
    assert PatronChat.objects.count() == 2


# ---- Batches and the record -----------------------------------------------------------------


def test_a_run_works_in_batches_and_records_all_it_did(
    monkeypatch, django_capture_on_commit_callbacks
):
    d = desk(operators=1)
    for _ in range(5):
        full_chat(d, days=40, file=False)
    for _ in range(5):
        full_chat(d, days=20, file=False)
    monkeypatch.setattr(retention, "RETENTION_BATCH", 2)
    batches = []
    for step in ("_chats_delete", "_chats_anonymise"):
        real = getattr(retention, step)

        def watched(ids, now, real=real, step=step):
            batches.append((step, len(ids)))
            return real(ids, now)

        monkeypatch.setattr(retention, step, watched)
    retention_set(delete=30, anonymise=10)

    done = run(django_capture_on_commit_callbacks)

    assert batches == [("_chats_delete", n) for n in (2, 2, 1)] + [
        ("_chats_anonymise", n) for n in (2, 2, 1)
    ]
    assert (done.chats_deleted, done.chats_anonymised) == (5, 5)
    assert done.complete
    assert RetentionRun.objects.get() == done
    assert PatronChat.objects.filter(anonymised_at__isnull=False).count() == 5


def test_a_batch_costs_the_same_queries_for_2_chats_or_6(django_capture_on_commit_callbacks):
    d = desk(operators=1)
    retention_set(delete=60, anonymise=30)

    def cost(chats: int) -> int:
        for _ in range(chats):
            full_chat(d, days=40, file=False)
            full_chat(d, days=100, file=False)
        with CaptureQueriesContext(connection) as queries:
            done = run(django_capture_on_commit_callbacks)
        assert (done.chats_anonymised, done.chats_deleted) == (chats, chats)
        return len(queries)

    assert cost(2) == cost(6)


def test_a_run_stops_at_its_time_budget_and_the_next_goes_on(
    monkeypatch, django_capture_on_commit_callbacks
):
    d = desk(operators=1)
    full_chat(d, days=40, file=False)
    retention_set(delete=30)
    monkeypatch.setattr(retention, "RETENTION_SECONDS", -1)
    stopped = run(django_capture_on_commit_callbacks)
    assert not stopped.complete and stopped.chats_deleted == 0
    monkeypatch.setattr(retention, "RETENTION_SECONDS", 60)
    assert run(django_capture_on_commit_callbacks).chats_deleted == 1
    assert RetentionRun.objects.count() == 2


def test_the_daily_beat_task_runs_retention_and_is_scheduled(settings):
    from chats.tasks import patron_retention_daily

    d = desk(operators=1)
    full_chat(d, days=40, file=False)
    retention_set(anonymise=30)
    assert patron_retention_daily()["chats_anonymised"] == 1
    assert RetentionRun.objects.get().chats_anonymised == 1
    schedule = settings.CELERY_BEAT_SCHEDULE["patron-chat-retention"]
    assert schedule["task"] == "chats.tasks.patron_retention_daily"


# ---- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delete", "anonymise", "valid"),
    [(0, 0, True), (30, 0, True), (0, 30, True), (30, 30, True), (60, 30, True), (30, 60, False)],
)
def test_anonymising_must_come_before_deleting(delete, anonymise, valid):
    site = SiteSettings.load()
    site.delete_patron_chats_days, site.anonymise_patron_chats_days = delete, anonymise
    if valid:
        site.full_clean()
        return
    with pytest.raises(ValidationError) as refused:
        site.full_clean()
    assert "anonymise_patron_chats_days" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        site.save()  # the database holds it too
