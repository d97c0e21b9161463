"""Internal chat over HTTP: history, file upload and download are for room members only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from internalchat import services
from internalchat.models import Attachment, Message
from libchat.core.models import SiteSettings
from tests.factories import MessageFactory, OperatorFactory
from tests.internalchat.test_services import PNG

pytestmark = pytest.mark.django_db


def client_for(client, operator):
    client.force_login(operator)
    return client


def rooms(reference):
    room, alice, bob, _ = reference
    return [room, services.room_direct_get_or_create(operator=alice, other=bob)]


def test_members_read_history_in_pages_of_50(client, reference):
    room, alice, _, _ = reference
    MessageFactory.create_batch(60, room=room, sender=alice)
    page = client_for(client, alice).get(reverse("internalchat:history", args=[room.pk])).json()
    assert len(page["messages"]) == 50 and page["has_more"]
    older = client.get(
        reverse("internalchat:history", args=[room.pk]), {"before": page["messages"][0]["id"]}
    ).json()
    assert len(older["messages"]) == 10 and not older["has_more"]


def test_a_non_member_cannot_read_history_post_a_file_or_download(client, reference):
    _, alice, _, eve = reference
    for room in rooms(reference):
        message = services.message_send(
            room=room, sender=alice, body="", client_msg_id=f"f{room.pk}",
            files=[SimpleUploadedFile("map.png", PNG)],
        )  # fmt: skip
        attachment = message.attachments.get()
        client_for(client, eve)
        assert client.get(reverse("internalchat:history", args=[room.pk])).status_code == 403
        response = client.post(
            reverse("internalchat:file_send", args=[room.pk]),
            {"file": SimpleUploadedFile("x.png", PNG), "client_msg_id": "eve"},
        )
        assert response.status_code == 403
        download = client.get(reverse("internalchat:file", args=[attachment.pk]))
        assert download.status_code == 403
        assert b"\x89PNG" not in download.content
    assert not Message.objects.filter(sender=eve).exists()


def test_unknown_room_is_404_and_logged_out_is_sent_to_log_in(client, reference):
    _, alice, _, _ = reference
    assert client.get(reverse("internalchat:history", args=[1])).status_code == 302
    client_for(client, alice)
    assert client.get(reverse("internalchat:history", args=[999999])).status_code == 404


def test_a_member_uploads_a_file_and_downloads_it_as_an_attachment(client, reference, settings):
    room, alice, bob, _ = reference
    response = client_for(client, alice).post(
        reverse("internalchat:file_send", args=[room.pk]),
        {"file": SimpleUploadedFile("map.png", PNG, "text/html"), "client_msg_id": "up1"},
    )
    assert response.status_code == 201
    attachment = Attachment.objects.get()
    client_for(client, bob)
    download = client.get(reverse("internalchat:file", args=[attachment.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert 'filename="map.png"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG


def test_a_refused_upload_says_why_and_stores_nothing(client, reference):
    room, alice, _, _ = reference
    response = client_for(client, alice).post(
        reverse("internalchat:file_send", args=[room.pk]),
        {"file": SimpleUploadedFile("invoice.pdf", PNG), "client_msg_id": "lie"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "file_type_mismatch"
    assert not Message.objects.exists()


def test_opening_a_direct_room_with_an_offline_operator_works(client, reference):
    _, alice, bob, _ = reference
    response = client_for(client, alice).post(reverse("internalchat:direct", args=[bob.pk]))
    assert response.status_code == 200
    assert response.json()["room"]["operator_ids"] == sorted([alice.pk, bob.pk])


def test_the_chats_tab_shows_internal_chat_with_badges(client, reference):
    room, alice, bob, _ = reference
    services.message_send(room=room, sender=bob, body="hi", client_msg_id="x")
    page = client_for(client, alice).get(reverse("dashboard:chats")).content.decode()
    assert "Internal Chat" in page and "All Staff" in page and "Reference" in page
    assert f'data-room-id="{room.pk}"' in page
    assert 'data-unread="1"' in page


def test_a_badge_beyond_99_unread_says_99_plus(client, reference):
    room, alice, bob, _ = reference
    MessageFactory.create_batch(150, room=room, sender=bob)
    page = client_for(client, alice).get(reverse("dashboard:chats")).content.decode()
    assert 'data-unread="100"' in page
    assert '<span aria-hidden="true">99+</span>' in page and "more than 99 unread" in page


def test_the_internal_tab_holds_the_section_when_chosen(client, reference):
    _, alice, _, _ = reference
    alice.show_internal_tab = True
    alice.save()
    chats = client_for(client, alice).get(reverse("dashboard:chats")).content.decode()
    assert "Internal Chat" not in chats
    assert 'href="/dashboard/internal/"' in chats
    internal = client.get(reverse("internalchat:tab")).content.decode()
    assert "Internal Chat" in internal


def test_changing_the_scrub_days_shows_what_would_go_first(admin_client, reference):
    from datetime import timedelta

    from django.utils import timezone

    room, alice, _, _ = reference
    old = MessageFactory(room=room, sender=alice)
    Message.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    url = reverse("admin:libchat_sitesettings_change", args=[SiteSettings.load().pk])
    keep = {"delete_patron_chats_days": "0", "anonymise_patron_chats_days": "0"}
    confirm = admin_client.post(url, {"scrub_internal_days": "7", **keep})
    assert confirm.status_code == 200
    assert b"1 message</strong>" in confirm.content and b"0 files" in confirm.content
    assert SiteSettings.load().scrub_internal_days == 0
    saved = admin_client.post(url, {"scrub_internal_days": "7", **keep, "_settings_confirmed": "1"})
    assert saved.status_code == 302
    assert SiteSettings.load().scrub_internal_days == 7
    assert Message.objects.filter(pk=old.pk).exists()  # the daily job removes it, not saving


def test_settings_page_lives_under_libchat_set_up(admin_client):
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "LibChat Set-up" in index
    assert admin_client.get(reverse("admin:libchat_sitesettings_changelist")).status_code == 302
    assert admin_client.get(reverse("admin:internalchat_scrubrun_changelist")).status_code == 200


@pytest.fixture
def admin_client(client):
    admin = OperatorFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client
