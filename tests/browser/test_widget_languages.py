"""A patron meets a widget in its language: a Spanish one from the library's button to the
rating, a French one (following the browser) through the offline form, with an operator who
reads English. No word of the English widget shows anywhere on the way."""

import re

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from chats.models import OfflineTicket
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, sign_in
from tests.factories import OperatorFactory
from widgets import selectors
from widgets.models import Widget, WidgetText

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words of the English widget (its page, its script and its button) a patron must not meet in
# another language, LibChat's own lines in the chat ("Alice joined the chat.") included.
ENGLISH = [
    "Start Chat", "in line", "End Chat", "Online", "Offline", "Your question", "Your name",
    "optional", "Waiting for a librarian", "Chatting with", "Type your message", "Send",
    "Keep chatting", "End this chat", "ended the chat", "Chat ended", "How did we do",
    "Comment (", "Thank you", "Email me", "Start a new chat", "Leave a question", "New reply",
    "is typing", "Please", "You", "joined the chat",
]  # fmt: skip


def english_in(text: str) -> list[str]:
    return [words for words in ENGLISH if words in text]


def shown(frame: FrameLocator) -> str:
    """What the widget's page shows now."""
    return frame.locator("body").inner_text()


def whole_page(frame: FrameLocator) -> str:
    """All the widget's page holds, hidden parts and names for screen readers included, but not
    its style sheet (whose comments are no words on screen)."""
    html = frame.locator("html").evaluate("(root) => root.outerHTML")
    return re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.S)


def library_page(browser, library, widget, base_url: str, **context) -> Page:
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=base_url)
    page = browser.new_context(**context).new_page()
    page.goto(library.page("index.html", snippet))
    return page


def test_a_patron_chats_in_spanish_with_an_english_reading_operator(
    browser, log_in, live_server_daphne, sites
):
    library = sites()

    def create():
        alice = OperatorFactory(display_name="Alice")
        widget = reference_widget(
            alice,
            allowed_origins=[library.url],
            title="Pregunte a un bibliotecario",
            online_greeting="¡Hola! Pregúntenos lo que quiera.",
            offline_message="Volvemos mañana a las 9.",
            language="es",
        )
        return alice, widget

    alice, widget = outside_the_loop(create)
    alices = log_in(browser.new_context().new_page(), alice)
    sign_in(alices)

    # An English browser: the widget is set to Spanish, so Spanish it is.
    patron = library_page(browser, library, widget, live_server_daphne.url, locale="en-US")
    button = patron.get_by_role("button", name="Pregunte a un bibliotecario: En línea")
    button.click()
    chat = patron.frame_locator('iframe[title="Pregunte a un bibliotecario"]')
    expect(chat.locator("html")).to_have_attribute("lang", "es")
    expect(chat.locator("html")).to_have_attribute("dir", "ltr")
    expect(chat.get_by_role("banner")).to_contain_text("En línea")
    assert english_in(shown(chat)) == []

    # A refusal from the server, in Spanish.
    chat.get_by_label("Su nombre (opcional)", exact=True).fill("A" * 101)
    chat.get_by_label("Su pregunta", exact=True).fill("¿Tienen Cien años de soledad?")
    chat.get_by_role("button", name="Iniciar chat").click()
    expect(chat.get_by_role("alert").first).to_have_text(
        "Su nombre debe tener menos de 100 caracteres."
    )
    assert english_in(shown(chat)) == []

    chat.get_by_label("Su nombre (opcional)", exact=True).fill("Ana")
    chat.get_by_role("button", name="Iniciar chat").click()
    expect(chat.get_by_role("status").first).to_have_text("Usted es el número 1 en la fila")
    expect(chat.get_by_role("banner")).to_contain_text("Esperando a un bibliotecario")
    lines = chat.get_by_role("list", name="Mensajes")
    expect(lines).to_contain_text("Usted: ¿Tienen Cien años de soledad?")
    assert english_in(shown(chat)) == []

    alices.get_by_role("button", name="Claim Chat with Ana").click()
    pane = alices.get_by_role("article", name="Chat with Ana")
    expect(chat.get_by_text("Está conversando con Alice")).to_be_visible()
    expect(chat.get_by_role("banner")).to_contain_text("Conversando con un bibliotecario")
    pane.get_by_label("Reply to Ana").press_sequentially("Sí")
    expect(chat.get_by_text("Alice está escribiendo…")).to_be_visible()
    pane.get_by_label("Reply to Ana").fill("Sí, en la segunda planta.")
    pane.get_by_role("button", name="Send Message").click()
    expect(lines).to_contain_text("Alice: Sí, en la segunda planta.")
    chat.get_by_label("Su mensaje").fill("¡Gracias!")
    chat.get_by_role("button", name="Enviar", exact=True).click()
    expect(pane.locator(".chat-messages")).to_contain_text("Ana: ¡Gracias!")
    expect(lines).to_contain_text("Usted: ¡Gracias!")
    expect(lines).to_contain_text("Alice se unió al chat.")  # LibChat's line, in hers
    expect(pane.locator(".chat-messages")).to_contain_text("Alice joined the chat.")  # his
    assert english_in(shown(chat)) == []

    chat.get_by_role("button", name="Terminar chat").click()
    asking = chat.get_by_role("group", name="¿Desea terminar este chat?")
    expect(asking.get_by_role("button", name="Seguir conversando")).to_be_focused()
    asking.get_by_role("button", name="Terminar chat").click()
    expect(chat.get_by_role("heading", name="Usted terminó el chat.")).to_be_visible()
    expect(pane.locator(".typing")).to_have_text("Ana ended the chat.")  # the operator: English
    chat.get_by_label("5").check()
    chat.get_by_label("Comentario (opcional)").fill("Muy amable.")
    chat.get_by_role("button", name="Enviar calificación").click()
    expect(chat.get_by_text("Gracias por su opinión.")).to_be_visible()
    expect(chat.get_by_role("button", name="Iniciar un chat nuevo")).to_be_visible()

    assert english_in(shown(chat)) == []
    assert english_in(whole_page(chat)) == []
    assert english_in(patron.locator(".libchat-widget").inner_text()) == []


def test_a_patron_whose_browser_reads_french_leaves_a_question_in_french(
    browser, live_server_daphne, sites
):
    library = sites()

    def create():
        # The admin wrote the widget's texts in English, and in French for French readers.
        widget = reference_widget(
            allowed_origins=[library.url],
            title="Ask a Librarian",
            offline_message="We are closed; we open again tomorrow at 9.",
            offline_behaviour=Widget.Offline.TICKET_FORM,
            language=Widget.FOLLOW_BROWSER,
        )
        WidgetText.objects.create(
            widget=widget,
            language="fr",
            title="Posez votre question",
            offline_message="Nous sommes fermés ; nous rouvrons demain à 9 h.",
        )
        return widget

    widget = outside_the_loop(create)  # nobody monitors it: offline
    english = library_page(browser, library, widget, live_server_daphne.url, locale="en-US")
    english.get_by_role("button", name="Ask a Librarian: Offline").click()
    in_english = english.frame_locator('iframe[title="Ask a Librarian"]')
    expect(in_english.get_by_text("We are closed; we open again tomorrow at 9.")).to_be_visible()
    patron = library_page(browser, library, widget, live_server_daphne.url, locale="fr-FR")
    patron.get_by_role("button", name="Posez votre question: Hors ligne").click()
    chat = patron.frame_locator('iframe[title="Posez votre question"]')
    expect(chat.locator("html")).to_have_attribute("lang", "fr")
    expect(chat.get_by_role("banner")).to_contain_text("Hors ligne")
    expect(chat.get_by_text("Nous sommes fermés ; nous rouvrons demain à 9 h.")).to_be_visible()
    form = chat.get_by_role("region", name="Laissez votre question")
    expect(form).to_be_visible()
    form.get_by_label("Nom (facultatif)").fill("Amélie")
    form.get_by_label("Adresse courriel pour vous répondre").fill("amelie@example.org")
    form.get_by_label("Que souhaitez-vous demander ?").fill("Avez-vous Les Misérables ?")
    form.get_by_role("button", name="Envoyer la question").click()
    expect(chat.get_by_role("status").filter(has_text="Merci.")).to_have_text(
        "Merci. Nous vous répondrons par courriel."
    )
    assert english_in(shown(chat)) == []
    assert english_in(whole_page(chat)) == []
    assert english_in(patron.locator(".libchat-widget").inner_text()) == []
    ticket = outside_the_loop(OfflineTicket.objects.get)
    assert (ticket.email, ticket.question) == ("amelie@example.org", "Avez-vous Les Misérables ?")
