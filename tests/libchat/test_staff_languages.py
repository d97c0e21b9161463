"""The staff pages in a French operator's language: every page of the dashboard, rendered with
real data, shows none of the English words the catalogue translates."""

import re
from datetime import timedelta
from functools import cache

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import transaction
from django.urls import reverse

from canned.services import canned_reply_create
from chats import services
from tests.chats.people import desk, start

pytestmark = pytest.mark.django_db


@cache
def translated_english() -> list[str]:
    """The English texts the French catalogue gives other words for, of two words or more (a
    lone "Page" or "Widget" may be a name a library chose)."""
    po = polib.pofile(str(settings.BASE_DIR / "locale/fr/LC_MESSAGES/django.po"))
    found = []
    for entry in po:
        for english, french in [(entry.msgid, entry.msgstr), (entry.msgid_plural, "")]:
            if not english or english == french:
                continue
            # The fixed words around placeholders and markup, each long enough to mean something.
            for part in re.split(r"%\(\w+\)[sdr]|<[^>]+>", english):
                part = part.strip(" .:;,·()")
                if len(part.split()) >= 2:
                    found.append(part)
    return found


def visible_words(page: str) -> str:
    """What a person can read or hear: text and accessible names, not scripts or style, nor
    the lines of a chat (stored in English, README "Languages")."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
    page = re.sub(r'<span class="body">.*?</span>', "", page, flags=re.S)
    names = " ".join(re.findall(r'(?:aria-label|title|placeholder)="([^"]*)"', page))
    return re.sub(r"<[^>]+>", " ", page) + " " + names


def english_left(page: str) -> list[str]:
    words = re.sub(r"\s+", " ", visible_words(page))
    return [english for english in translated_english() if english in words]


@pytest.fixture
def french_desk():
    d = desk(operators=1)
    operator = d.operators[0]
    operator.language = "fr"
    operator.show_internal_tab = True
    operator.save()
    operator.user_permissions.add(
        Permission.objects.get(codename="view_reports", content_type__app_label="reports")
    )
    chat, _token = start(d.widget, name="Ada", email="ada@example.org")
    services.chat_claim(chat=chat, operator=operator)
    services.message_send(chat=chat, operator=operator, body="Bonjour Ada")
    services.chat_end(chat=chat, operator=operator, note="à rappeler")
    ticket = services.ticket_create(
        widget=d.widget, name="Ada", email="ada@example.org", question="Un portable ?"
    )
    services.ticket_reply_add(ticket=ticket, operator=operator, body="Oui.", kind="note")
    reply = canned_reply_create(title="Horaires", body="Ouvert à 9 h", owner=operator)
    return operator, chat, ticket, reply


def staff_pages(chat, ticket, reply) -> list[str]:
    return [
        reverse("dashboard:chats"),
        reverse("dashboard:settings"),
        reverse("internalchat:tab"),
        reverse("reports:tab"),
        reverse("chats:transcripts"),
        reverse("chats:transcript", args=[chat.pk]),
        reverse("chats:tickets") + "?status=all",
        reverse("chats:ticket", args=[ticket.pk]),
        reverse("chats:follow_up", args=[chat.pk]),
        reverse("chats:patron_record", args=[chat.pk]),
        reverse("canned:personal"),
        reverse("canned:edit", args=[reply.pk]),
        reverse("libchat:sign_out"),
    ]


def test_a_french_operator_reads_every_dashboard_page_in_french(client, french_desk):
    operator, chat, ticket, reply = french_desk
    client.force_login(operator)
    assert len(translated_english()) > 200  # the catalogue the check reads is the real one
    left = {}
    for url in staff_pages(chat, ticket, reply):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en")
        assert response.status_code == 200, url
        page = response.content.decode()
        if "<html" in page:
            assert '<html lang="fr" dir="ltr">' in page, url
        if english := english_left(page):
            left[url] = english
    assert left == {}


def test_the_french_dashboard_says_what_a_french_librarian_expects(client, french_desk):
    operator, chat, _ticket, _reply = french_desk
    client.force_login(operator)
    chats = client.get(reverse("dashboard:chats")).content.decode()
    assert "Envoyer le message" in chats
    assert "Prendre la conversation" in chats
    assert "Tableau de bord" in chats
    transcript = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert "Conversation avec Ada" in transcript
    # The dashboard's scripts get the French catalogue.
    assert re.search(r'<script src="/widget/texts/fr\.js\?v=\w+"></script>', chats)


def test_the_same_pages_stay_english_for_an_english_operator(client, french_desk):
    operator, chat, ticket, reply = french_desk
    operator.language = "en"
    operator.save()
    client.force_login(operator)
    page = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert "Chat with Ada" in page
    assert '<html lang="en"' in page


def test_the_dashboard_scripts_catalogue_carries_their_words_in_french(client):
    script = client.get(reverse("widgets:catalog", args=["fr"])).content.decode()
    assert '"LibChat is Online": "LibChat est en ligne"' in script
    assert '"%(count)s open ticket"' in script and "%(count)s tickets ouverts" in script


def test_what_the_server_tells_a_french_operator_after_an_action_is_french(client, french_desk):
    """Confirmations (messages) and refusals (refused(), a service's ChatInvalid) are written in
    the operator's language, not only the page around them."""
    operator, chat, ticket, reply = french_desk
    client.force_login(operator)
    block = client.post(
        reverse("chats:block", args=[chat.pk]), {"duration": "forever", "reason": "x"}
    )
    assert block.status_code == 400
    assert block.json()["message"].startswith("Choisissez la durée du blocage")
    assert "1 heure" in block.json()["message"]
    saved = client.post(
        reverse("canned:edit", args=[reply.pk]),
        {"title": "Horaires", "shortcut": "", "body": "Ouvert à 9 h"},
        follow=True,
    )
    assert "« Horaires » enregistrée." in saved.content.decode()
    answered = client.post(
        reverse("chats:ticket_answered", args=[ticket.pk]), {"answered": "1"}, follow=True
    )
    page = answered.content.decode()
    assert "Ticket de ada@example.org marqué comme traité." in page
    assert not english_left(page)
    missing = client.get(reverse("chats:ticket", args=[ticket.pk + 100]))
    assert "appartient pas à vos widgets." in missing.content.decode()


def test_a_sentence_made_for_one_operators_pages_is_in_their_language(french_desk):
    from django.utils.translation import gettext

    from accounts.selectors import operator_text
    from libchat.core.live import in_each_language

    operator, *_ = french_desk
    assert operator_text(operator, lambda: gettext("You ended the chat.")) != "You ended the chat."
    # For one who follows their browser it is made in each language, and each socket sends its own.
    operator.language = operator.FOLLOW_BROWSER
    written = in_each_language(operator_text(operator, lambda: gettext("You ended the chat.")))
    assert written["en"] == "You ended the chat."
    assert written["fr"] not in {"", "You ended the chat."}


def test_a_chats_history_and_its_filters_read_in_the_operators_language(client, french_desk):
    """Where the transcript and the patron panel tell who held the chat, and the Transcripts
    filters' choices (model and filter labels), in French; English readers keep their words."""
    operator, chat, *_ = french_desk
    client.force_login(operator)
    transcript = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert f"{operator.name} a pris la conversation." in transcript
    assert f"{operator.name} y a mis fin." in transcript
    panel = client.get(reverse("chats:patron_record", args=[chat.pk])).content.decode()
    assert f"{operator.name} a pris la conversation." in panel
    listing = client.get(reverse("chats:transcripts")).content.decode()
    assert "Sans évaluation" in listing and "Manquée (jamais répondue)" in listing
    assert not english_left(listing)
    operator.language = "en"
    operator.save()
    transcript = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert (
        f"{operator.name} claimed it." in transcript and f"{operator.name} ended it." in transcript
    )


def test_refusals_made_by_services_speak_the_active_language(french_desk):
    """The texts a socket or a page shows as they are: chats, files, meetings, frames, filters."""
    from django.http import QueryDict
    from django.utils import translation
    from django.utils.translation import gettext

    from chats.errors import ChatAccessDenied
    from chats.filters import transcript_filters_parse
    from libchat.core.durations import duration_text
    from libchat.core.protocol import FrameError, frame_parse
    from libchat.core.queries import QueryRefused
    from meetings import services as meeting_services
    from meetings.models import Meeting

    operator, chat, *_ = french_desk
    with translation.override("fr"):
        with pytest.raises(ChatAccessDenied) as refused:
            services.message_send(chat=chat, body="x", files=[object()])
        assert refused.value.message == "Seul l’opérateur peut envoyer des fichiers."
        with pytest.raises(FrameError) as refused:
            frame_parse('{"action": "dance"}', allowed_actions={"send"})
        assert refused.value.message == "Action inconnue 'dance'."
        with pytest.raises(meeting_services.MeetingError) as refused:
            meeting_services.meeting_start(
                host=operator, invitees=[], kind=Meeting.Kind.DIRECT, title="x", room=None
            )
        assert refused.value.message == (
            "Un partage d’écran se fait entre vous et un seul autre opérateur."
        )
        with pytest.raises(QueryRefused, match="La période commence après sa fin"):
            transcript_filters_parse(QueryDict("from=2026-05-02&to=2026-05-01"))
        assert gettext("Waiting") == "En attente"
        assert duration_text(timedelta(hours=1, minutes=5)) == "1 h 5 min"
    with translation.override("es"):
        with pytest.raises(ChatAccessDenied) as refused:
            services.message_send(chat=chat, body="x", files=[object()])
        assert refused.value.message == "Solo el operador puede enviar archivos."


def test_the_requeued_operator_is_told_why_in_their_language(
    french_desk, monkeypatch, django_capture_on_commit_callbacks
):
    from accounts import services as account_services
    from chats.services import lifecycle

    operator, *_ = french_desk
    frames = []
    monkeypatch.setattr(lifecycle, "live_send", lambda group, frame: frames.append(frame))
    ended, *_ = french_desk[1:]
    chat, _token = start(ended.widget, name="Ada")
    services.chat_claim(chat=chat, operator=operator)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.libchat_sign_out(operator=operator)
    told = [f["message"] for f in frames if f["event"] == "chat.ended"]
    assert told == ["La conversation est retournée dans la file : vous vous êtes déconnecté."]
    # The line stored in the chat stays English (README "Languages").
    assert chat.messages.last().body == (
        f"{operator.name} signed out. You are back at the front of the line."
    )


def test_the_holder_is_told_of_a_block_in_their_language(
    french_desk, monkeypatch, django_capture_on_commit_callbacks
):
    from chats.services import lifecycle
    from tests.factories import OperatorFactory

    operator, ended, *_ = french_desk
    frames = []
    monkeypatch.setattr(lifecycle, "live_send", lambda group, frame: frames.append(frame))
    chat, _token = start(ended.widget, name="Ada")
    services.chat_claim(chat=chat, operator=operator)
    admin = OperatorFactory(display_name="Zoé", language="es")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        lifecycle.chat_end_blocked(chat=chat, operator=admin, reason="Abus")
    told = [f["message"] for f in frames if f["event"] == "chat.ended" and f.get("message")]
    assert "Zoé a bloqué l’usager et mis fin à la conversation." in told


def test_dates_and_times_on_staff_pages_are_written_the_readers_way(client, french_desk):
    from datetime import UTC, datetime

    from chats.models import OfflineTicket, PatronMessage

    operator, chat, ticket, _reply = french_desk
    at = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    OfflineTicket.objects.filter(pk=ticket.pk).update(created_at=at)
    PatronMessage.objects.filter(chat=chat).update(created_at=at)
    client.force_login(operator)
    tickets = client.get(reverse("chats:tickets")).content.decode()
    transcript = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert "<td>02/03/2026 14:05</td>" in tickets
    assert '<time datetime="2026-03-02T14:05:00+00:00" class="sent-at">14:05</time>' in transcript
    operator.language = "en"
    operator.save(update_fields=["language"])
    tickets = client.get(reverse("chats:tickets")).content.decode()
    transcript = client.get(reverse("chats:transcript", args=[chat.pk])).content.decode()
    assert "<td>03/02/2026 2:05 PM</td>" in tickets
    assert '<time datetime="2026-03-02T14:05:00+00:00" class="sent-at">2:05 PM</time>' in transcript
