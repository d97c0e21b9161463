"""What LibChat tells a patron follows the language their widget speaks to them: the pre-chat
and offline forms' answers, the socket's refusals, the end of the chat and the transcript email,
even when an operator who reads English causes it."""

import csv
import io

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.utils import translation

from chats import selectors, services
from chats.models import PatronChat
from tests.chats.people import desk, start
from tests.chats.test_consumers import hello, next_event, patron_socket
from tests.factories import OperatorFactory
from widgets.models import Widget

pytestmark = pytest.mark.django_db


def test_the_pre_chat_forms_refusals_are_in_the_widgets_language(client):
    d = desk(language="es")
    response = client.post(f"/widget/{d.widget.pk}/chat/", {"email": "nope"})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "email": ["Escriba una dirección de correo electrónico válida, como nombre@ejemplo.org."],
        "question": ["Escriba su pregunta."],
    }


def test_the_offline_form_answers_in_the_browsers_language_when_the_widget_follows_it(client):
    widget = desk(language=Widget.FOLLOW_BROWSER).widget
    url = f"/widget/{widget.pk}/ticket/"
    french = client.post(url, {"question": "Horaires ?"}, headers={"accept-language": "fr"})
    invalid = "Veuillez saisir une adresse courriel valide, comme nom@exemple.org."
    assert french.json()["errors"] == {"email": [invalid]}
    answers = {"email": "ada@example.org", "question": "Horaires ?"}
    sent = client.post(url, answers, headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert sent.json() == {"message": "Merci. Nous vous répondrons par courriel."}
    english = client.post(url, answers, headers={"accept-language": "de"})
    assert english.json() == {"message": "Thank you. We will answer by email."}


def test_a_chat_keeps_the_language_its_patron_read_at_the_start(client):
    widget = desk(language=Widget.FOLLOW_BROWSER).widget
    response = client.post(
        f"/widget/{widget.pk}/chat/", {"question": "¿Horario?"}, headers={"accept-language": "es"}
    )
    assert PatronChat.objects.get(pk=response.json()["chat_id"]).language == "es"
    english = client.post(f"/widget/{widget.pk}/chat/", {"question": "Hours?"})
    assert PatronChat.objects.get(pk=english.json()["chat_id"]).language == "en"


def test_the_transcript_email_is_in_the_patrons_language_libchats_lines_too(
    django_capture_on_commit_callbacks,
):
    d = desk(title="Pregunte a un bibliotecario")
    chat, _ = start(d.widget, email="ana@example.org", question="¿Horario?", language="es")
    services.chat_claim(chat=chat, operator=d.operators[0])
    services.message_send(chat=chat, body="Gracias")
    services.chat_end(chat=chat)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_transcript_email(chat=chat)
    (email,) = mail.outbox
    assert email.subject == "Su chat con Pregunte a un bibliotecario"
    assert email.body.startswith("Su pregunta: ¿Horario?\n")
    assert "Usted: Gracias" in email.body
    assert f"{d.operators[0].name} se unió al chat." in email.body
    assert "joined the chat" not in email.body


@pytest.mark.django_db(transaction=True)
async def test_the_patrons_socket_says_the_end_and_its_refusals_in_the_patrons_language():
    d = await database_sync_to_async(desk)()
    chat, token = await database_sync_to_async(start)(d.widget, language="fr")
    patron = await patron_socket(token)
    await hello(patron)
    await patron.send_json_to({"action": "send", "body": "   "})
    assert (await next_event(patron, "error"))["message"] == "Écrivez d’abord un message."
    await patron.send_json_to({"action": "rate", "rating": 4})
    assert (await next_event(patron, "error"))["message"] == (
        "Vous pourrez évaluer la conversation une fois terminée."
    )
    await database_sync_to_async(services.chat_claim)(chat=chat, operator=d.operators[0])
    await database_sync_to_async(services.chat_end)(chat=chat, operator=d.operators[0])
    ended = await next_event(patron, "chat.ended")
    assert ended["message"] == f"{d.operators[0].name} a mis fin à la conversation."
    await patron.disconnect()


def test_libchats_lines_are_stored_as_what_happened_and_read_in_each_readers_language(
    client, django_capture_on_commit_callbacks
):
    d = desk()
    alice, bob = d.operators
    chat, _ = start(d.widget, name="Ana", question="¿Horario?", language="es")
    services.chat_claim(chat=chat, operator=alice)
    services.chat_transfer(chat=chat, operator=alice, to_operator=bob)
    services.chat_end(chat=chat)
    stored = list(chat.messages.filter(sender="system").order_by("number"))
    # Stored: what happened and the names, and the English line for search and export.
    assert [(m.line, m.line_args) for m in stored] == [
        ("joined", {"who": alice.name}),
        ("transferred", {"who": alice.name, "target": bob.name}),
        ("ended", {"who": "Ana"}),
    ]
    assert stored[0].body == f"{alice.name} joined the chat."
    # Read: in the reader's language, whoever caused the line.
    with translation.override("fr"):
        french = [m["body"] for m in selectors.chat_messages(chat_id=chat.pk)]
    assert french[-3:] == [
        f"{alice.name} a rejoint la conversation.",
        f"{alice.name} a transféré la conversation à {bob.name}.",
        "Ana a mis fin à la conversation.",
    ]
    # A French-reading operator's transcript page says them in French.
    carol = OperatorFactory(display_name="Carol", language="fr", is_superuser=True)
    client.force_login(carol)
    page = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert f"{alice.name} a rejoint la conversation." in page
    assert "joined the chat" not in page


def test_a_name_that_looks_like_markup_stays_text_in_every_language():
    d = desk()
    alice = d.operators[0]
    chat, _ = start(d.widget, name="<b>Ana</b>", language="fr")
    services.chat_claim(chat=chat, operator=alice)
    services.chat_end(chat=chat, left=True)
    with translation.override("fr"):
        last = selectors.chat_messages(chat_id=chat.pk)[-1]["body"]
    assert last == "&lt;b&gt;Ana&lt;/b&gt; a quitté la conversation."


def _french_download(client, django_capture_on_commit_callbacks):
    """A chat between a French patron and a French operator, ended, its transcript emailed to
    the patron; the operator signed in."""
    d = desk(title="Demandez à la bibliothèque")
    operator = d.operators[0]
    operator.language = "fr"
    operator.save(update_fields=["language"])
    chat, _ = start(d.widget, name="Ada", email="ada@example.org", question="Horaires ?")
    PatronChat.objects.filter(pk=chat.pk).update(language="fr")
    chat.refresh_from_db()
    services.chat_claim(chat=chat, operator=operator)
    services.message_send(chat=chat, operator=operator, body="À 9 h.")
    services.message_send(chat=chat, body="Merci")
    services.chat_end(chat=chat, operator=operator)
    with django_capture_on_commit_callbacks(execute=True):
        services.chat_transcript_email(chat=chat)
    client.force_login(operator)
    return chat, operator


def test_a_transcript_downloaded_as_text_is_in_the_operators_language_lines_as_emailed(
    client, django_capture_on_commit_callbacks
):
    chat, operator = _french_download(client, django_capture_on_commit_callbacks)
    text = client.get(
        f"/dashboard/transcripts/{chat.pk}/text/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    head, lines = text.split("\n\n", 1)
    assert head.startswith(f"Conversation {chat.pk} avec Ada · Demandez à la bibliothèque\n")
    assert "Question : Horaires ?" in head and "Opérateurs : " in head
    assert f"{operator.name} a rejoint la conversation." in lines
    # The conversation reads as in the patron's emailed transcript (same language, same times).
    (email,) = mail.outbox
    assert lines.strip().splitlines() == email.body.split("\n\n", 1)[1].strip().splitlines()


def test_the_transcripts_csv_has_its_header_and_outcomes_in_the_operators_language(
    client, django_capture_on_commit_callbacks
):
    _french_download(client, django_capture_on_commit_callbacks)
    response = client.get("/dashboard/transcripts/export.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["\ufeffConversation", "Début", "Fin", "Issue"]
    assert rows[1][3] == "Répondue"


def test_a_patrons_words_carry_their_widgets_language_where_the_page_speaks_another(client):
    d = desk()
    operator = d.operators[0]
    operator.language = "fr"
    operator.save(update_fields=["language"])
    chat, _ = start(d.widget, name="Ana", question="¿Tienen el atlas?", language="es")
    services.chat_claim(chat=chat, operator=operator)
    services.message_send(chat=chat, body="Gracias")
    services.message_send(chat=chat, operator=operator, body="De rien")
    services.chat_end(chat=chat, operator=operator)
    client.force_login(operator)
    page = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert '<span class="body" lang="es">Gracias</span>' in page
    assert '<span class="body">De rien</span>' in page  # staff's words: no language known
    assert '<dd lang="es">¿Tienen el atlas?</dd>' in page
    record = client.get(f"/chats/{chat.pk}/record/").content.decode()
    assert '<dd lang="es">¿Tienen el atlas?</dd>' in record
    assert selectors.chat_summary(chat)["language"] == "es"
    # Read in the patron's own language, nothing needs marking.
    operator.language = "es"
    operator.save(update_fields=["language"])
    page = client.get(f"/dashboard/transcripts/{chat.pk}/").content.decode()
    assert '<span class="body">Gracias</span>' in page and 'lang="es">' not in page
