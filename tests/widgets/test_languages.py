"""A widget speaks the language it is set to, or its patron's browser's among the shipped ones:
the iframe page, its script texts and the button on the library's page."""

import json
import re

import pytest
from django.urls import reverse

from libchat.core.languages import catalog_version, language_from_accept
from tests.factories import WidgetFactory
from widgets.models import Widget, WidgetText
from widgets.selectors import widget_language

pytestmark = pytest.mark.django_db

# Words of the English widget page that a Spanish or French one must not show.
ENGLISH = ["Start Chat", "Your question", "End Chat", "Send Rating", "Leave a question"]


def text_of(page: str) -> str:
    """The page without its style sheet (whose comments are no words on screen)."""
    return re.sub(r"<style[^>]*>.*?</style>", "", page, flags=re.S)


def frame(client, widget, **headers):
    return client.get(reverse("widgets:frame", args=[widget.pk]), headers=headers)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("de-DE,de;q=0.9,fr;q=0.5,en;q=0.4", "fr"),  # German is not shipped: French is next
        ("en;q=0.2,fr-CA;q=0.8", "fr"),  # by weight, not by order
        ("de,it", "en"),  # none shipped: English
        ("", "en"),
        ("*", "en"),
    ],
)
def test_following_the_browser_picks_the_first_shipped_language_it_asks_for(header, language):
    assert language_from_accept(header) == language
    widget = WidgetFactory.build(language=Widget.FOLLOW_BROWSER)
    assert widget_language(widget=widget, accept_language=header) == language


def test_a_widget_set_to_a_language_ignores_the_browser():
    widget = WidgetFactory.build(language="fr")
    assert widget_language(widget=widget, accept_language="es,en") == "fr"


def test_a_spanish_widget_page_is_in_spanish_with_lang_and_dir_and_its_catalogue(client):
    widget = WidgetFactory(language="es", offline_behaviour=Widget.Offline.TICKET_FORM)
    response = frame(client, widget, accept_language="en-US,en")
    page = response.content.decode()
    assert re.search(r'<html lang="es" dir="ltr">', page)
    assert response["Content-Language"] == "es"
    for spanish in ["Iniciar chat", "Su pregunta", "Terminar chat", "Deje su pregunta"]:
        assert spanish in page
    assert [word for word in ENGLISH if word in text_of(page)] == []
    # The script texts come as a script of this site (no inline script under the policy).
    # The texts' address names their version: new code never runs with a cached old catalogue.
    catalogue = f"{reverse('widgets:catalog', args=['es'])}?v={catalog_version()}"
    assert f'<script src="{catalogue}"></script>' in page
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_an_english_widget_stays_english_whatever_the_browser_asks(client):
    widget = WidgetFactory()
    assert widget.language == "en"
    page = frame(client, widget, accept_language="fr-FR,fr").content.decode()
    assert '<html lang="en" dir="ltr">' in page
    assert "Start Chat" in page and "Commencer" not in page


def test_a_widget_following_the_browser_answers_each_patron_in_theirs(client):
    widget = WidgetFactory(language=Widget.FOLLOW_BROWSER)
    french = frame(client, widget, accept_language="fr-CA,fr;q=0.9")
    assert '<html lang="fr"' in french.content.decode()
    assert "Commencer la conversation" in french.content.decode()
    assert "Accept-Language" in french["Vary"]  # a cache keeps one copy per language
    german = frame(client, widget, accept_language="de").content.decode()
    assert '<html lang="en"' in german and "Start Chat" in german


def test_the_script_catalogue_has_the_queue_position_in_its_plural_forms(client):
    response = client.get(reverse("widgets:catalog", args=["es"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == "es"
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", response.content.decode(),
                                   re.S)[1])  # fmt: skip
    forms = catalog["You are number %(position)s in line"]
    assert forms[0] == "Usted es el número %(position)s en la fila"
    assert catalog["Waiting for a librarian"] == "Esperando a un bibliotecario"
    assert client.get(reverse("widgets:catalog", args=["de"])).status_code == 404


def test_the_embed_button_speaks_the_widgets_language_or_carries_each_for_the_browser(client):
    def texts(widget):
        response = client.get(reverse("widgets:embed", args=[widget.pk]), follow=True)
        return json.loads(re.search(r"var config = (\{.*?\});", response.content.decode())[1])[
            "texts"
        ]

    assert texts(WidgetFactory(language="fr", title="Demandez")) == {
        "fr": {
            "title": "Demandez",
            "online": "En ligne",
            "offline": "Hors ligne",
            "newReply": "Nouvelle réponse",
            "newReplies": "%(count)s nouvelles réponses",
        }
    }
    following = texts(WidgetFactory(language=Widget.FOLLOW_BROWSER))
    assert set(following) == {"en", "es", "fr"}
    assert following["es"]["online"] == "En línea" and following["en"]["online"] == "Online"


def test_the_admin_sets_a_widgets_language(admin_client):
    widget = WidgetFactory()
    page = admin_client.get(reverse("admin:widgets_widget_change", args=[widget.pk]))
    select = page.content.decode().split('name="language"')[1].split("</select>")[0]
    choices = re.findall(r'<option value="([a-z]+)"', select)
    assert choices == ["browser", "en", "es", "fr"]


def test_a_widget_shows_the_texts_its_admin_wrote_for_the_patrons_language(client):
    widget = WidgetFactory(
        language=Widget.FOLLOW_BROWSER,
        title="Ask a Librarian",
        online_greeting="Hi! Ask us anything.",
        offline_message="We are closed.",
    )
    WidgetText.objects.create(
        widget=widget,
        language="es",
        title="Pregunte a un bibliotecario",
        online_greeting="¡Hola! Pregúntenos lo que quiera.",
        offline_message="   ",  # blank: the widget's own is shown
    )
    spanish = text_of(frame(client, widget, accept_language="es").content.decode())
    assert "Pregunte a un bibliotecario" in spanish and "¡Hola! Pregúntenos" in spanish
    assert "Ask a Librarian" not in spanish and "Hi! Ask us" not in spanish
    assert "We are closed." in spanish
    french = text_of(frame(client, widget, accept_language="fr").content.decode())
    assert "Ask a Librarian" in french and "Hi! Ask us anything." in french  # none written

    response = client.get(reverse("widgets:embed", args=[widget.pk]), follow=True)
    config = json.loads(re.search(r"var config = (\{.*?\});", response.content.decode())[1])
    titles = {language: texts["title"] for language, texts in config["texts"].items()}
    assert titles == {
        "en": "Ask a Librarian",
        "es": "Pregunte a un bibliotecario",
        "fr": "Ask a Librarian",
    }


def test_a_chat_refused_offline_gets_the_offline_message_written_for_its_language(client):
    widget = WidgetFactory(language="es", offline_message="We are closed.")
    WidgetText.objects.create(widget=widget, language="es", offline_message="Estamos cerrados.")
    response = client.post(reverse("chats:start", args=[widget.pk]), {"question": "¿Abren mañana?"})
    assert response.status_code == 409
    assert response.json()["message"] == "Estamos cerrados."
    assert Widget.objects.get().offline_message == "We are closed."  # the widget is unchanged
