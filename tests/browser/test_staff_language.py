"""A French-reading operator and a Spanish-speaking patron in one chat: each reads their own
language, from the waiting list to the reply, and the console shows none of the English that
the French catalogue translates (only the chat's own lines stay as they were written). Times are
written each page's way, whatever the browser's own locale."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, settled
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Words of the English console a French operator must not meet: each has other words in the
# French catalogue (django.po or djangojs.po). Case matters: "Transfert" is French.
ENGLISH_CONSOLE = [
    "Claim Chat", "Reply to", "Waiting", "My Chats", "Send Message", "End Chat", "Transfer",
    "Sign In", "Sign Out", "LibChat is Online", "Online", "Go Chat", "Settings", "Reports",
    "Transcripts", "Internal", "Operators", "Block", "Canned", "Email", "Follow up", "Chat with",
    "No patrons", "Patron", "is typing", "You are",
]  # fmt: skip

# Words of the English widget a Spanish patron must not meet.
ENGLISH_WIDGET = [
    "Start Chat", "in line", "End Chat", "Online", "Your question", "Your name", "Waiting for",
    "Chatting with", "Type your message", "Send", "You are", "is typing",
]  # fmt: skip


def english_in(text: str, words: list[str]) -> list[str]:
    return [english for english in words if english in text]


def console_words(page: Page) -> str:
    """What the operator reads on the console now, the header's live words included, without the
    chat's own lines (what the patron and the operator wrote, and LibChat's stored lines)."""
    text = page.get_by_role("banner").inner_text() + "\n" + page.locator("main").inner_text()
    for line in page.locator(".chat-messages li").all_inner_texts():
        text = text.replace(line, "")
    return text


def test_a_french_operator_and_a_spanish_patron_each_read_their_own_language(
    browser, log_in, live_server_daphne
):
    def create():
        alice = OperatorFactory(display_name="Alice", language="fr")
        widget = reference_widget(alice, title="Pregunte a un bibliotecario", language="es")
        return alice, widget

    alice, widget = outside_the_loop(create)
    # Her browser asks for English: her Settings choice, French, wins once she is logged in.
    alices = log_in(browser.new_context(locale="en-US").new_page(), alice)
    expect(alices.locator("html")).to_have_attribute("lang", "fr")
    with alices.expect_navigation():
        alices.get_by_role("banner").get_by_role("button", name="Se connecter", exact=True).click()
    expect(alices.locator("#my-dot")).to_have_attribute("data-status", "online")
    settled(alices)
    expect(alices.get_by_role("banner")).to_contain_text("LibChat est en ligne")
    expect(alices.get_by_text("Aucun usager n’attend.")).to_be_visible()
    assert english_in(console_words(alices), ENGLISH_CONSOLE) == []

    # The patron's browser asks for English too: the widget is set to Spanish.
    patron = browser.new_context(locale="en-US").new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    expect(patron.locator("html")).to_have_attribute("lang", "es")
    expect(patron.locator("body")).to_have_attribute("data-online", "true")
    patron.get_by_label("Su nombre (opcional)", exact=True).fill("Ana")
    patron.get_by_label("Su pregunta", exact=True).fill("¿Tienen Cien años de soledad?")
    patron.get_by_role("button", name="Iniciar chat").click()
    expect(patron.get_by_role("status").first).to_have_text("Usted es el número 1 en la fila")

    # The console shows her waiting, in French, and she is claimed with the French button.
    claim = alices.get_by_role("button", name="Prendre la conversation avec Ana")
    expect(claim).to_be_visible()
    expect(alices.locator("main")).to_contain_text("¿Tienen Cien años de soledad?")
    assert english_in(console_words(alices), ENGLISH_CONSOLE) == []
    claim.click()
    pane = alices.get_by_role("article", name="Conversation avec Ana")
    reply = pane.get_by_label("Répondre à Ana")
    expect(reply).to_be_editable()
    reply.fill("Sí, en la segunda planta.")
    pane.get_by_role("button", name="Envoyer le message").click()
    expect(pane.locator(".chat-messages")).to_contain_text("Sí, en la segunda planta.")

    # The patron reads Spanish around the librarian's words.
    expect(patron.get_by_text("Está conversando con Alice")).to_be_visible()
    expect(patron.get_by_role("banner")).to_contain_text("Conversando con un bibliotecario")
    lines = patron.get_by_role("list", name="Mensajes")
    expect(lines).to_contain_text("Alice: Sí, en la segunda planta.")
    patron.get_by_label("Su mensaje").fill("¡Gracias!")
    patron.get_by_role("button", name="Enviar", exact=True).click()
    expect(pane.locator(".chat-messages")).to_contain_text("Ana: ¡Gracias!")
    # LibChat's own line reads Spanish to the patron too.
    expect(lines).to_contain_text("Alice se unió al chat.")
    assert english_in(patron.locator("body").inner_text(), ENGLISH_WIDGET) == []

    # The operator's console: French everywhere but in the chat's own lines.
    expect(alices.locator("#my-chat-list")).to_contain_text("Ana")
    expect(pane.locator(".chat-messages")).to_contain_text("Alice a rejoint la conversation.")
    expect(pane.get_by_role("button", name="Terminer la conversation")).to_be_visible()
    assert english_in(console_words(alices), ENGLISH_CONSOLE) == []

    # Both browsers' locale is en-US ("2:05 PM"); each page writes times its language's way.
    clock = re.compile(r"^\d\d:\d\d$")
    expect(pane.locator(".chat-messages time").first).to_have_text(clock)
    expect(lines.locator("time").first).to_have_text(clock)

    # What the patron wrote is marked Spanish on the French console (WCAG 3.1.2), not in their
    # Spanish widget; what the operator wrote has no language known.
    expect(pane.locator(".from-patron .body").last).to_have_attribute("lang", "es")
    expect(pane.locator(".answer-question")).to_have_attribute("lang", "es")
    expect(pane.locator(".from-operator .body").last).not_to_have_attribute("lang", re.compile("."))
    expect(lines.locator(".from-patron .body").last).not_to_have_attribute("lang", re.compile("."))
