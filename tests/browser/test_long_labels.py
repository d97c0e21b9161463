"""The console's patron panel in French and Spanish, whose labels run longer than the English
ones ("Sans réponse", "Durée de traitement", "Tiempo de atención"): on a phone and on a desktop,
each label and each value wraps between words, never inside one, and none overlaps another."""

import os

import pytest
from playwright.sync_api import expect

from chats import services
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# Where a person checking the layout by eye finds the pictures (unset: none are taken).
SHOTS = os.environ.get("LIBCHAT_LABEL_SHOTS", "")

# For each label and value of the panel's lists: the words split over two lines, and the boxes
# it overlaps. A word wider than its whole column (a long address) may break: it has to.
LAYOUT = """(panel) => {
  const broken = [], overlaps = [];
  const boxes = [...panel.querySelectorAll("dl > dt, dl > dd")];
  for (const box of boxes) {
    const width = box.getBoundingClientRect().width;
    const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const found of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, found.index);
        range.setEnd(node, found.index + found[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size < 2) continue;
        const probe = document.createElement("span");
        probe.style.whiteSpace = "nowrap";
        probe.textContent = found[0];
        box.append(probe);
        const fits = probe.getBoundingClientRect().width <= width;
        probe.remove();
        if (fits) broken.push(found[0]);
      }
    }
  }
  for (const [i, a] of boxes.entries()) {
    const r = a.getBoundingClientRect();
    for (const b of boxes.slice(i + 1)) {
      const s = b.getBoundingClientRect();
      const apart = r.right <= s.left + 1 || s.right <= r.left + 1
        || r.bottom <= s.top + 1 || s.bottom <= r.top + 1;
      if (!apart) overlaps.push(`${a.textContent.trim()} / ${b.textContent.trim()}`);
    }
  }
  return { broken, overlaps };
}"""


@pytest.mark.parametrize("language, claim", [("fr", "Prendre la conversation avec Ada"),
                                             ("es", "Tomar conversación con Ada")])  # fmt: skip
@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["390px", "desktop"])
def test_long_labels_in_the_patron_panel_wrap_between_words_and_never_overlap(
    browser, log_in, live_server_daphne, language, claim, screen
):
    def create():
        alice = OperatorFactory(display_name="Alice", language=language)
        return alice, reference_widget(alice)

    def ask():
        # An earlier chat nobody answered ("Sans réponse" in the panel's list too), then this one.
        earlier, _ = services.chat_start(
            widget=widget, name="Ada", email="ada@example.org", question="Un atlas de 1850 ?"
        )
        services.chat_end(chat=earlier)
        services.chat_start(
            widget=widget,
            name="Ada",
            email="ada@example.org",
            question="Avez-vous la carte du comté, et pour combien de temps puis-je l’emprunter ?",
        )

    alice, widget = outside_the_loop(create)
    page = log_in(browser.new_context(viewport=screen).new_page(), alice)
    with page.expect_navigation():
        page.locator("#sign-in").click()
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "online")
    outside_the_loop(ask)
    if screen is PHONE:
        page.locator(".console-bar button").first.click()
    # The earlier chat waited a moment too, under the same name: claim this one by its question.
    waiting = page.get_by_role("listitem").filter(has_text="Avez-vous la carte du comté")
    waiting.get_by_role("button", name=claim).click()
    panel = page.locator(".operator-chat:visible .patron-panel")
    expect(panel.locator(".patron-record .earlier").first).to_contain_text("Un atlas de 1850 ?")
    if SHOTS:
        panel.scroll_into_view_if_needed()
        page.screenshot(path=f"{SHOTS}/{language}-{screen['width']}.png")
        panel.screenshot(path=f"{SHOTS}/{language}-{screen['width']}-panel.png")
    assert panel.evaluate(LAYOUT) == {"broken": [], "overlaps": []}
