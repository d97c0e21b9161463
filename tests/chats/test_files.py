"""Files in patron chats: the claimant sends one, the patron downloads it by its link alone."""

from unittest.mock import Mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chats import selectors, services
from chats.consumers import _site_url
from chats.errors import ChatAccessDenied, ChatClosed
from chats.models import PatronAttachment, PatronChat, PatronMessage
from libchat.core.tokens import secret_hash
from tests.chats.people import desk, start
from tests.factories import OperatorFactory
from tests.files import watch_file_writes
from tests.internalchat.test_services import PDF, PNG

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def stored_files(settings) -> list:
    folder = settings.MEDIA_ROOT / "chats"
    return sorted(folder.iterdir()) if folder.exists() else []


def claimed(d, **answers) -> PatronChat:
    chat, _ = start(d.widget, **answers)
    return services.chat_claim(chat=chat, operator=d.operators[0])


def upload(client, chat, name="floor-map.png", content=PNG, browser_type="image/png"):
    return client.post(
        reverse("chats:file_send", args=[chat.pk]),
        {"file": SimpleUploadedFile(name, content, browser_type), "client_msg_id": name},
    )


def test_the_claimant_sends_a_file_and_the_patron_downloads_it_with_no_cookie(client, settings):
    d = desk()
    chat = claimed(d, name="Ada")
    client.force_login(d.operators[0])
    # The browser says HTML: the type is read from the bytes.
    response = upload(client, chat, browser_type="text/html")
    assert response.status_code == 201

    last = selectors.chat_messages(chat_id=chat.pk)[-1]
    assert (last["sender"], last["operator"]) == ("operator", d.operators[0].name)
    (file,) = last["attachments"]
    assert (file["name"], file["size"], file["is_image"]) == ("floor-map.png", len(PNG), True)
    assert file["url"].startswith("/widget/files/")

    patron = Client()  # no session, no cookie: the widget iframe with third-party cookies blocked
    download = patron.get(file["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"] == 'attachment; filename="floor-map.png"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert not download.cookies

    key = file["url"].split("/")[-2]
    wrong = key[:-1] + ("0" if key[-1] != "0" else "1")
    assert patron.get(reverse("chats:file", args=[wrong])).status_code == 404
    assert patron.get(reverse("chats:file", args=["x"])).status_code == 404

    # Stored under a random name; the database holds only the key's hash, never the key.
    attachment = PatronAttachment.objects.get()
    assert attachment.file.name.startswith("chats/") and "floor-map" not in attachment.file.name
    assert [path.name for path in stored_files(settings)] == [attachment.file.name[6:]]
    assert key not in str(list(PatronAttachment.objects.values()))
    assert key not in str(list(PatronMessage.objects.values()))
    assert attachment.key_hash == secret_hash(key)


def test_only_the_claimant_of_an_active_chat_may_send_a_file(client, settings):
    d = desk()
    chat = claimed(d)
    assert upload(client, chat).status_code == 302  # not logged in: to the login page
    client.force_login(d.outsider)  # cannot answer this widget at all
    assert upload(client, chat).status_code == 403
    client.force_login(d.operators[1])  # may answer the widget, but Alice claimed this chat
    refused = upload(client, chat)
    assert refused.status_code == 403
    assert refused.json()["message"] == "Only the operator who claimed this chat can reply."
    client.force_login(d.operators[0])
    waiting, _ = start(d.widget)
    assert upload(client, waiting).status_code == 403  # nobody claimed it yet
    services.chat_end(chat=chat, operator=d.operators[0])
    ended = upload(client, chat)
    assert ended.status_code == 409
    assert ended.json()["message"] == "This chat has ended."
    assert upload(client, PatronChat(pk=999_999)).status_code == 403  # unknown looks the same
    assert not PatronAttachment.objects.exists()
    assert stored_files(settings) == []


def test_a_file_too_big_or_not_what_it_says_is_refused_and_nothing_is_stored(client, settings):
    settings.LIBCHAT_MAX_UPLOAD_MB = 1
    d = desk()
    chat = claimed(d)
    client.force_login(d.operators[0])
    before = PatronMessage.objects.count()
    cases = [
        ("notes.txt", b"a" * (1024 * 1024 + 1), "file_too_big"),
        ("setup.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "file_type"),
        ("report.pdf", PNG, "file_type_mismatch"),  # a PNG called .pdf
        ("empty.txt", b"", "empty_file"),
    ]
    for name, content, code in cases:
        response = upload(client, chat, name=name, content=content)
        assert (response.status_code, response.json()["code"]) == (400, code), name
    assert upload(client, chat, name="hours.pdf", content=PDF).status_code == 201
    assert PatronMessage.objects.count() == before + 1
    assert [a.original_name for a in PatronAttachment.objects.all()] == ["hours.pdf"]
    assert len(stored_files(settings)) == 1
    response = client.post(reverse("chats:file_send", args=[chat.pk]), {"client_msg_id": "x"})
    assert response.json()["code"] == "no_file"


def test_a_patron_cannot_send_files(settings):
    d = desk()
    chat = claimed(d)
    with pytest.raises(ChatAccessDenied):
        services.message_send(
            chat=chat, body="", files=[SimpleUploadedFile("map.png", PNG)], client_msg_id="p"
        )
    assert stored_files(settings) == []


def test_the_patron_sees_the_operators_formatting_and_faq_cards_and_no_script():
    d = desk()
    chat = claimed(d)
    card = (
        '<div class="faq-card"><b>When are you open?</b><br>9 to 5<br>'
        '<a href="https://library.example/hours">https://library.example/hours</a></div>'
    )
    sent = services.message_send(
        chat=chat,
        operator=d.operators[0],
        body=f'<i>See</i> <u>this</u>: {card}<img src=x onerror="alert(1)"><div class="x">y</div>',
    )
    assert sent.body.startswith('<i>See</i> <u>this</u>: <div class="faq-card"><b>When are')
    assert 'target="_blank"' in sent.body and 'rel="noopener noreferrer nofollow"' in sent.body
    assert "onerror" not in sent.body and "<img" not in sent.body and 'class="x"' not in sent.body


def test_history_with_many_files_costs_two_queries(client, django_assert_num_queries):
    d = desk()
    chat = claimed(d, name="Ada")
    client.force_login(d.operators[0])
    for n in range(3):
        assert upload(client, chat, name=f"page-{n}.png").status_code == 201
        services.message_send(chat=chat, body=f"Thanks {n}")
    with django_assert_num_queries(2):
        messages = selectors.chat_messages(chat_id=chat.pk)
    assert sum(len(m["attachments"]) for m in messages) == 3
    with django_assert_num_queries(3):
        (mine,) = selectors.chats_open_for(operator=d.operators[0])
    assert [f["name"] for m in mine["messages"] for f in m["attachments"]] == [
        "page-0.png",
        "page-1.png",
        "page-2.png",
    ]


def test_transcripts_the_email_and_the_admin_show_the_file_as_a_link(
    client, django_capture_on_commit_callbacks
):
    d = desk(title="Ask a Librarian")
    chat = claimed(d, name="Ada", email="ada@example.org")
    client.force_login(d.operators[0])
    upload(client, chat)
    services.chat_end(chat=chat)
    (file,) = selectors.chat_messages(chat_id=chat.pk)[-2]["attachments"]

    page = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert f'<a class="attachment" href="{file["url"]}" download="floor-map.png">' in page

    with django_capture_on_commit_callbacks(execute=True):  # the worker's mail
        services.chat_transcript_email(chat=chat, base_url="https://chat.library.example")
    (email,) = mail.outbox
    assert f"floor-map.png: https://chat.library.example{file['url']}" in email.body

    client.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    admin = client.get(reverse("admin:chats_patronchat_change", args=[chat.pk])).content.decode()
    assert f'<a href="{file["url"]}">floor-map.png</a> (image/png, {len(PNG)} bytes)' in admin


def test_links_in_the_email_use_the_sites_own_address_only(settings):
    settings.ALLOWED_HOSTS = ["chat.library.example"]

    def scope(origin: bytes) -> dict:
        return {"headers": [(b"host", b"chat.library.example"), (b"origin", origin)]}

    assert _site_url(scope(b"https://chat.library.example")) == "https://chat.library.example"
    assert _site_url(scope(b"https://evil.example")) == ""
    assert _site_url(scope(b"javascript:alert(1)")) == ""
    assert _site_url({"headers": []}) == ""


def test_deleting_a_chat_in_the_admin_deletes_its_files(
    admin_client, client, settings, django_capture_on_commit_callbacks
):
    d = desk()
    chat = claimed(d)
    client.force_login(d.operators[0])
    assert upload(client, chat).status_code == 201
    assert len(stored_files(settings)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:chats_patronchat_delete", args=[chat.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not PatronChat.objects.filter(pk=chat.pk).exists()
    assert stored_files(settings) == []


def test_a_file_link_keeps_working_after_the_secret_key_is_rotated(client, settings):
    d = desk()
    chat = claimed(d)
    client.force_login(d.operators[0])
    assert upload(client, chat).status_code == 201
    (before,) = selectors.chat_messages(chat_id=chat.pk)[-1]["attachments"]

    # The admin rotates SECRET_KEY the documented way: the old one moves to the fallbacks.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40
    (after,) = selectors.chat_messages(chat_id=chat.pk)[-1]["attachments"]
    assert after["url"] == before["url"]  # the history shows the link the patron already has
    assert Client().get(after["url"]).status_code == 200

    assert upload(client, chat, name="second.png").status_code == 201
    (new,) = selectors.chat_messages(chat_id=chat.pk)[-1]["attachments"]
    assert Client().get(new["url"]).status_code == 200  # made with the new key

    # Once the old key is dropped, its files' links stop working rather than pointing elsewhere.
    settings.SECRET_KEY_FALLBACKS = []
    (gone,) = selectors.chat_messages(chat_id=chat.pk)[-2]["attachments"]
    assert Client().get(gone["url"]).status_code == 404
    assert Client().get(new["url"]).status_code == 200


def test_transcripts_are_found_by_the_name_of_a_file_sent_in_them(client):
    d = desk()
    chat = claimed(d, name="Ada")
    client.force_login(d.operators[0])
    assert upload(client, chat, name="floor-map.png").status_code == 201  # a file, no words
    services.chat_end(chat=chat, operator=d.operators[0])
    assert "Ada" in client.get("/dashboard/transcripts/?q=floor-map").content.decode()
    assert "Ada" not in client.get("/dashboard/transcripts/?q=basement").content.decode()


def test_sending_and_announcing_costs_the_same_queries_with_one_file_or_three(
    django_capture_on_commit_callbacks,
):
    d = desk()
    chat = claimed(d)

    def cost(files: int) -> int:
        uploads = [SimpleUploadedFile(f"map-{n}.png", PNG) for n in range(files)]
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True) as announced,
        ):
            services.message_send(
                chat=chat, operator=d.operators[0], body="See", files=uploads, client_msg_id=files
            )
        assert len(announced) == 1  # the announcement ran, and is counted
        return len(captured)

    # The lock, the retry check, the number, the message, the sender's first-message mark: 5
    # queries and the savepoint pair of the test's transaction; the chat's first response once,
    # on its first operator line; the files are one insert, however many; announcing costs none.
    assert [cost(files) for files in (0, 1, 3)] == [8, 8, 8]
    (sent,) = [m for m in selectors.chat_messages(chat_id=chat.pk) if len(m["attachments"]) == 3]
    assert [f["name"] for f in sent["attachments"]] == ["map-0.png", "map-1.png", "map-2.png"]


@pytest.mark.django_db(transaction=True)
def test_a_file_is_written_before_the_chat_is_locked(settings, monkeypatch):
    d = desk()
    chat = claimed(d)
    writes = watch_file_writes(monkeypatch, lambda: connection.in_atomic_block)
    services.message_send(
        chat=chat, operator=d.operators[0], body="", files=[SimpleUploadedFile("map.png", PNG)]
    )
    assert writes == [False]  # no transaction open, so no row lock held, while the disk works
    assert [a.file.name for a in PatronAttachment.objects.all()] == [
        f"chats/{path.name}" for path in stored_files(settings)
    ]


def test_a_retried_refused_or_failed_file_send_leaves_no_file_behind(settings, monkeypatch):
    d = desk()
    chat = claimed(d)
    alice, bob = d.operators

    def send(operator=alice, client_msg_id=""):
        return services.message_send(
            chat=chat,
            operator=operator,
            body="",
            files=[SimpleUploadedFile("map.png", PNG)],
            client_msg_id=client_msg_id,
        )

    first = send(client_msg_id="once")
    assert send(client_msg_id="once").pk == first.pk
    with pytest.raises(ChatAccessDenied):
        send(operator=bob)  # refused under the chat's lock, after the file was written
    with monkeypatch.context() as failing:
        failing.setattr(PatronAttachment.objects, "bulk_create", Mock(side_effect=DatabaseError))
        with pytest.raises(DatabaseError):
            send()
    services.chat_end(chat=chat, operator=alice)
    with pytest.raises(ChatClosed):
        send()
    (kept,) = PatronAttachment.objects.all()
    assert [f"chats/{path.name}" for path in stored_files(settings)] == [kept.file.name]
    assert PatronMessage.objects.filter(sender="operator").count() == 1
