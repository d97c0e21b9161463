"""A patron chats through a widget embedded on a library's site; an operator answers it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from chats.models import PatronChat
from tests.browser.desks import reference_widget
from tests.browser.pages import outside_the_loop, patron_ends_chat, sign_in, timed, xss_corpus_send
from tests.conftest import CHROMIUM
from tests.factories import DepartmentFactory, FaqFactory, MembershipFactory, OperatorFactory
from tests.internalchat.test_services import PNG
from widgets import selectors, services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ask_a_librarian(library, *, first_choice):
    """The "Ask a Librarian" widget, embeddable on the library's site."""
    return services.widget_create(
        name="Main site",
        allowed_origins=[library.url],
        first_choice=first_choice,
        title="Ask a Librarian",
    )


def test_patron_chats_is_claimed_transferred_to_a_department_reclaimed_ended_and_rated(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    library = sites()

    def create():
        reference = DepartmentFactory(name="Reference")
        circulation = DepartmentFactory(name="Circulation")
        alice = OperatorFactory(display_name="Alice")
        bob = OperatorFactory(display_name="Bob")
        MembershipFactory(operator=alice, department=reference)
        MembershipFactory(operator=bob, department=circulation)
        widget = _ask_a_librarian(library, first_choice=reference)
        return reference, circulation, alice, bob, widget

    # Memberships and widgets are announced after commit, not in Playwright's thread.
    reference, circulation, alice, bob, widget = outside_the_loop(create)
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=live_server_daphne.url)

    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)
    expect(operator.get_by_text("No patrons are waiting.")).to_be_visible()
    bobs = log_in(browser.new_context().new_page(), bob)
    # Only an operator signed in to LibChat and Online is offered patron chats.
    sign_in(bobs)

    patron_context = browser.new_context()
    patron = patron_context.new_page()
    patron.goto(library.page("index.html", snippet))
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Your name (optional)").fill("Ada")
    chat.get_by_label("Your question").fill("Do you have Middlemarch?")
    chat.get_by_role("button", name="Start Chat").click()
    expect(chat.get_by_role("status").first).to_have_text("You are number 1 in line")
    # Ada's question opens her side of the conversation (it is stored once, on the chat).
    lines = chat.get_by_role("list", name="Messages").get_by_role("listitem")
    expect(lines).to_have_text([timed("You: Do you have Middlemarch?")])

    waiting = operator.get_by_role("list", name="Waiting patrons")
    expect(waiting).to_contain_text("Ada")
    expect(waiting).to_contain_text("“Do you have Middlemarch?”")
    expect(waiting.locator(".waited")).to_have_text(re.compile(r"waiting 0:0[1-9]"))
    expect(bobs.get_by_text("No patrons are waiting.")).to_be_visible()  # not his widget

    operator.get_by_role("button", name="Claim Chat with Ada").click()
    pane = operator.get_by_role("article", name="Chat with Ada")
    expect(pane).to_contain_text("Do you have Middlemarch?")
    expect(waiting.locator("li")).to_have_count(0)
    expect(chat.get_by_text("You are chatting with Alice")).to_be_visible()
    expect(lines).to_have_text(
        [timed("You: Do you have Middlemarch?"), timed("Alice joined the chat.")]
    )

    chat.get_by_label("Your message").press_sequentially("Is it ")
    expect(pane.get_by_text("Ada is typing…")).to_be_visible()
    chat.get_by_label("Your message").fill("Is it <b>on the shelf</b>?")
    chat.get_by_label("Your message").press("Enter")
    expect(pane.locator(".chat-messages")).to_contain_text("Ada: Is it <b>on the shelf</b>?")
    expect(operator.locator("#announcer")).to_have_text("Ada: Is it <b>on the shelf</b>?")

    pane.get_by_label("Reply to Ada").press_sequentially("Yes")
    expect(chat.get_by_text("Alice is typing…")).to_be_visible()
    pane.get_by_label("Reply to Ada").fill("Yes, on floor 2.")
    pane.get_by_role("button", name="Send Message").click()
    expect(chat.get_by_role("list", name="Messages")).to_contain_text("Alice: Yes, on floor 2.")
    # Screen readers: the patron's conversation is a log, each line saying who wrote it; the
    # operator's is a quiet log, her page's announcer saying each patron line once.
    expect(chat.get_by_role("log", name="Conversation")).to_contain_text("Alice: Yes, on floor 2.")
    expect(pane.get_by_role("log", name="Conversation")).to_have_attribute("aria-live", "off")
    expect(pane.locator("#announcer")).to_have_count(0)  # one announcer, the page's

    # Ada has been at it for five minutes when Alice passes her on.
    outside_the_loop(
        lambda: PatronChat.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    )
    pane.get_by_text("Transfer", exact=True).click()
    pane.get_by_label("Transfer to").select_option(label="Circulation (department queue)")
    pane.get_by_label("Note for the next operator (optional)").fill("Wants to renew it")
    pane.get_by_role("button", name="Transfer Chat").click()
    expect(pane.locator(".typing")).to_have_text("You transferred the chat to Circulation's queue.")
    expect(chat.get_by_role("status").first).to_have_text("You are number 1 in line")
    expect(chat.get_by_text("Alice transferred the chat to Circulation.")).to_be_visible()

    # Back in line at the front is not a fresh start: Bob sees how long Ada has waited.
    bobs_waiting = bobs.get_by_role("list", name="Waiting patrons")
    expect(bobs_waiting.locator(".waited")).to_have_text(re.compile(r"waiting 5:0\d"))
    bobs.get_by_role("button", name="Claim Chat with Ada").click()
    bobs_pane = bobs.get_by_role("article", name="Chat with Ada")
    expect(bobs_pane.get_by_role("list", name="Staff notes").get_by_role("listitem")).to_have_text(
        ["Alice → Circulation: Wants to renew it"]
    )
    expect(bobs_pane).to_contain_text("Is it <b>on the shelf</b>?")  # the history came along
    expect(chat.get_by_text("You are chatting with Bob")).to_be_visible()
    bobs_pane.get_by_label("Reply to Ada").fill("I renewed it for you.")
    bobs_pane.get_by_label("Reply to Ada").press("Enter")
    expect(chat.get_by_role("list", name="Messages")).to_contain_text("Bob: I renewed it for you.")

    # End Chat asks first; Keep chatting goes back to the chat with nothing ended.
    chat.get_by_role("button", name="End Chat").click()
    asking = chat.get_by_role("group", name="End this chat?")
    expect(asking.get_by_role("button", name="Keep chatting")).to_be_focused()
    asking.get_by_role("button", name="Keep chatting").click()
    expect(asking).to_be_hidden()
    expect(chat.get_by_role("button", name="End Chat")).to_be_focused()
    expect(chat.get_by_text("You are chatting with Bob")).to_be_visible()
    assert PatronChat.objects.get().state == "active"
    patron_ends_chat(chat)
    expect(chat.get_by_role("heading", name="You ended the chat.")).to_be_visible()
    expect(bobs_pane.locator(".typing")).to_have_text("Ada ended the chat.")
    # Said once on each side, the patron's in their own words.
    expect(chat.get_by_text(re.compile("ended the chat"))).to_have_count(1)
    expect(bobs_pane.get_by_text(re.compile("ended the chat"))).to_have_count(1)
    # What they were told stays readable above the rating form; nothing more can be sent.
    expect(chat.get_by_role("list", name="Messages")).to_contain_text("Bob: I renewed it for you.")
    expect(chat.get_by_label("Your message")).to_be_hidden()
    expect(chat.get_by_role("button", name="End Chat")).to_be_hidden()
    chat.get_by_role("button", name="Send Rating").click()
    expect(chat.get_by_role("alert")).to_have_text(
        "Choose a rating from 1 to 5 or write a comment."
    )
    chat.get_by_label("5").check()
    chat.get_by_label("Comment (optional)").fill("Very helpful")
    chat.get_by_role("button", name="Send Rating").click()
    expect(chat.get_by_text("Thank you for your feedback.")).to_be_visible()

    operator.goto(f"{live_server_daphne.url}/dashboard/transcripts/")
    expect(operator.get_by_role("table")).to_contain_text("Bob")
    expect(operator.get_by_role("table")).to_contain_text("5/5")
    operator.get_by_role("table").get_by_role("link").click()
    expect(operator.get_by_role("list", name="Messages").get_by_role("listitem")).to_have_text(
        [
            timed("Alice joined the chat."),
            timed("Ada: Is it <b>on the shelf</b>?"),
            timed("Alice: Yes, on floor 2."),
            timed("Alice transferred the chat to Circulation."),
            timed("Bob joined the chat."),
            timed("Bob: I renewed it for you."),
            timed("Ada ended the chat."),
        ]
    )
    stored = PatronChat.objects.get()
    assert (stored.state, stored.rating, stored.comment) == ("ended", 5, "Very helpful")
    assert stored.claimed_by == bob and "Wants to renew it" in stored.internal_note
    # Nothing of the chat rides on cookies: the widget works with third-party cookies blocked.
    assert [c for c in patron_context.cookies() if "127.0.0.1" in c["domain"]] == []
    # And they were blocked: the iframe on the library's site could not keep one, where the same
    # page opened on its own (first party) can.
    assert cookie_kept(chat.locator(":root")) is False
    first_party = browser.new_context().new_page()
    first_party.goto(patron.locator('iframe[title="Ask a Librarian"]').get_attribute("src"))
    assert cookie_kept(first_party.locator(":root")) is True


def cookie_kept(root) -> bool:
    """Whether the document can store a cookie (SameSite=None, as a third party would need)."""
    return root.evaluate(
        """() => {
            document.cookie = "libchat_probe=1; SameSite=None; Secure; Path=/";
            return document.cookie.includes("libchat_probe=1");
        }"""
    )


RECORD_RINGS = """
window.__rings = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { window.__rings.push(["desktop", title, options.body]); }
};
window.AudioContext = class {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect: (to) => to, start() { window.__rings.push(["sound"]); },
             stop() {} };
  }
  createGain() { return { gain: {}, connect: (to) => to }; }
};
"""


def test_a_new_chat_rings_as_each_operator_chose(browser, log_in, live_server_daphne):

    def create():
        wants_all = OperatorFactory(display_name="Alice")
        wants_none = OperatorFactory(display_name="Bob", notify_desktop=False, notify_sound=False)
        return wants_all, wants_none, reference_widget(wants_all, wants_none)

    wants_all, wants_none, widget = outside_the_loop(create)
    pages = []
    for operator in (wants_all, wants_none):
        context = browser.new_context()
        context.add_init_script(RECORD_RINGS)
        page = log_in(context.new_page(), operator)
        sign_in(page)
        pages.append(page)

    patron = browser.new_context().new_page()
    patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
    patron.get_by_label("Your question").fill("Do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.get_by_text("You are number 1 in line")).to_be_visible()

    alice, bob = pages
    expect(alice.get_by_role("list", name="Waiting patrons")).to_contain_text("Middlemarch")
    expect(bob.get_by_role("list", name="Waiting patrons")).to_contain_text("Middlemarch")
    assert alice.evaluate("window.__rings") == [
        ["sound"],
        ["desktop", "New chat: Patron", "Do you have Middlemarch?"],
    ]
    assert bob.evaluate("window.__rings") == []


def claimed_chat_with_ada(
    browser, log_in, base_url, library, patron_browser=None, operator_page=None
):
    """Alice signed in, and Ada's chat, started in the widget embedded on the library's site,
    claimed by her: the operator's page, the patron's page, the widget's frame, the chat pane.
    Ada uses `patron_browser` when given, else the same browser as Alice; Alice uses
    `operator_page` when given."""

    def create():
        reference = DepartmentFactory(name="Reference")
        alice = OperatorFactory(display_name="Alice")
        MembershipFactory(operator=alice, department=reference)
        widget = _ask_a_librarian(library, first_choice=reference)
        return alice, widget

    alice, widget = outside_the_loop(create)
    operator = log_in(operator_page or browser.new_context().new_page(), alice)
    sign_in(operator)
    patron = (patron_browser or browser).new_context().new_page()
    patron.goto(
        library.page("index.html", selectors.widget_embed_snippet(widget=widget, base_url=base_url))
    )
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    chat.get_by_label("Your name (optional)").fill("Ada")
    chat.get_by_label("Your question").fill("Opening hours and a map?")
    chat.get_by_role("button", name="Start Chat").click()
    operator.get_by_role("button", name="Claim Chat with Ada").click()
    expect(chat.get_by_text("Alice joined the chat.")).to_be_visible()
    return operator, patron, chat, operator.get_by_role("article", name="Chat with Ada")


def test_the_widget_works_where_the_browser_refuses_it_third_party_storage_too(
    browser,
    playwright,
    log_in,
    live_server_daphne,
    sites,
):
    # Chromium as it comes (the suite's browser turns a feature list off for WebRTC, which lets
    # third-party frames keep storage): with third-party cookies blocked, a frame from another
    # site may not even touch sessionStorage.
    strict = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    try:
        _, patron, chat, pane = claimed_chat_with_ada(
            browser, log_in, live_server_daphne.url, sites(), patron_browser=strict
        )
        storage = (
            "() => { try { sessionStorage.length; return 'allowed'; } catch { return 'denied'; } }"
        )
        assert chat.locator(":root").evaluate(storage) == "denied"
        messages = chat.get_by_role("list", name="Messages")
        pane.get_by_role("textbox", name="Reply to Ada").fill("Open until 8 tonight.")
        pane.get_by_role("textbox", name="Reply to Ada").press("Enter")
        expect(messages).to_contain_text("Alice: Open until 8 tonight.")
        chat.get_by_label("Your message").fill("Thanks!")
        chat.get_by_label("Your message").press("Enter")
        expect(pane.locator(".chat-messages")).to_contain_text("Ada: Thanks!")

        # A reload of the widget resumes the chat (its token waits in the frame's URL fragment).
        widget = next(frame for frame in patron.frames if "/widget/" in frame.url)
        widget.evaluate("() => location.reload()")
        expect(messages).to_contain_text("Alice: Open until 8 tonight.")
        expect(chat.get_by_text("You are chatting with Alice")).to_be_visible()

        # So does a reload of the library's page, which builds a new frame: the library's page
        # kept the token for it. The patron reopens the widget to the same chat, and Alice's pane
        # knows Ada is back (it said she had gone while the page reloaded).
        presence = pane.locator(".patron-presence")
        reply = pane.get_by_role("textbox", name="Reply to Ada")
        for n in range(1, 13):  # more than the widget shows at once
            reply.fill(f"Shelf {n}.")
            reply.press("Enter")
        expect(messages.get_by_role("listitem").last).to_have_text(timed("Alice: Shelf 12."))
        for _ in range(2):  # once more, now from the token the new frame was given
            patron.reload()
            patron.get_by_role("button", name="Ask a Librarian: Online").click()
            expect(messages).to_contain_text("Alice: Open until 8 tonight.")
            expect(messages).to_contain_text("You: Thanks!")
            expect(messages.get_by_role("listitem").last).to_be_in_viewport()  # the latest line
            expect(chat.get_by_text("You are chatting with Alice")).to_be_visible()
            expect(presence).to_be_hidden()
            expect(messages.get_by_role("listitem").first).to_have_text(
                timed("You: Opening hours and a map?")
            )
            expect(messages.get_by_text("Opening hours and a map?")).to_have_count(1)
        expect(pane.get_by_role("textbox", name="Reply to Ada")).to_be_visible()
        pane.get_by_role("textbox", name="Reply to Ada").fill("Still here.")
        pane.get_by_role("textbox", name="Reply to Ada").press("Enter")
        expect(messages).to_contain_text("Alice: Still here.")

        # Once Ada ends the chat, her library's page forgets it: its next load offers a new one.
        patron_ends_chat(chat)
        expect(chat.get_by_role("heading", name="You ended the chat.")).to_be_visible()
        expect(pane.locator(".typing")).to_have_text("Ada ended the chat.")
        patron.reload()
        patron.get_by_role("button", name="Ask a Librarian: Online").click()
        expect(chat.get_by_role("button", name="Start Chat")).to_be_visible()
        expect(chat.get_by_label("Your question")).to_be_empty()
        expect(messages).to_be_hidden()
        assert chat.locator("body").get_attribute("data-chat") is None
    finally:
        strict.close()


def test_the_operator_replies_with_the_internal_chat_editor_and_the_patron_gets_it_all(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    outside_the_loop(
        FaqFactory,
        question="When are you open?",
        answer="Weekdays 9 to 5.",
        link="https://library.example/hours",
    )
    _, patron, chat, pane = claimed_chat_with_ada(browser, log_in, live_server_daphne.url, sites())
    messages = chat.get_by_role("list", name="Messages")

    reply = pane.get_by_role("textbox", name="Reply to Ada")
    expect(reply).to_be_focused()
    pane.get_by_role("button", name="Bold").click()
    reply.press_sequentially("Open late")
    expect(chat.get_by_text("Alice is typing…")).to_be_visible()
    reply.press("Enter")
    expect(messages.locator("li.from-operator b")).to_have_text("Open late")
    expect(pane.locator(".chat-messages li.from-operator b")).to_have_text("Open late")

    pane.get_by_role("button", name="Insert an emoji").click()
    pane.locator("emoji-picker").get_by_role("menuitem").first.click()
    expect(reply).not_to_be_empty()
    chosen = reply.inner_text().strip()
    pane.get_by_role("button", name="Send Message").click()
    expect(messages.locator("li.from-operator .body").nth(1)).to_have_text(chosen)

    pane.get_by_role("button", name="FAQs").click()
    pane.get_by_role("searchbox", name="Search FAQs").fill("open")
    pane.get_by_role("button", name="When are you open?").click()
    pane.get_by_role("button", name="Send Message").click()
    card = messages.locator(".faq-card")
    expect(card.locator("b")).to_have_text("When are you open?")
    expect(card).to_contain_text("Weekdays 9 to 5.")
    expect(card.get_by_role("link")).to_have_attribute("href", "https://library.example/hours")

    pane.locator('input[type="file"]').set_input_files(
        {"name": "floor-map.png", "mimeType": "image/png", "buffer": PNG}
    )
    file_link = messages.get_by_role("link", name="floor-map.png")
    expect(file_link).to_contain_text("floor-map.png (")
    expect(file_link.locator("img.thumb")).to_have_attribute("alt", "floor-map.png")
    expect(pane.get_by_role("link", name="floor-map.png")).to_be_visible()
    with patron.expect_download() as downloading:
        file_link.click()
    download = downloading.value
    assert download.suggested_filename == "floor-map.png"
    with open(download.path(), "rb") as saved:
        assert saved.read() == PNG

    # A refused file says why, in the pane, and sends nothing.
    pane.locator('input[type="file"]').set_input_files(
        {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": PNG}
    )
    expect(pane.get_by_role("alert")).to_contain_text("notes.pdf: The file's name does not match")
    # A reload of the library's page shows the same in the widget, from the history.
    patron.reload()
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    expect(messages.locator("li.from-operator")).to_have_count(4)
    expect(messages.locator("li.from-operator b").first).to_have_text("Open late")
    expect(messages.get_by_role("link", name="floor-map.png")).to_be_visible()
    expect(messages.locator(".faq-card")).to_have_count(1)


def test_the_xss_corpus_from_an_operator_runs_no_script_on_the_patrons_page(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    operator, patron, chat, _ = claimed_chat_with_ada(
        browser, log_in, live_server_daphne.url, sites()
    )
    dialogs = []
    patron.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sent = xss_corpus_send(operator, "patron.send", chat_id=PatronChat.objects.get().pk)
    from_alice = chat.get_by_role("list", name="Messages").locator("li.from-operator")
    expect(from_alice).to_have_count(sent, timeout=30_000)
    patron.wait_for_timeout(500)  # event handlers and timers would have fired by now
    assert chat.locator(":root").evaluate("() => window.__xss") is None
    patron.reload()  # and once more through the history
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    expect(from_alice).to_have_count(sent)
    patron.wait_for_timeout(500)
    assert chat.locator(":root").evaluate("() => window.__xss") is None
    assert dialogs == []


def test_what_a_patron_types_reaches_the_operator_as_typed_line_breaks_and_all(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    _, _, chat, pane = claimed_chat_with_ada(browser, log_in, live_server_daphne.url, sites())
    box = chat.get_by_label("Your message")
    box.fill('<div class="faq-card"><b>x</b></div>\n<a href="https://evil.example/">Renew</a>')
    box.press("Enter")
    said = pane.locator(".chat-messages li.from-patron .body")
    expect(said).to_have_text(
        '<div class="faq-card"><b>x</b></div><a href="https://evil.example/">Renew</a>'
    )
    # Only the address typed becomes a link (a typed URL always does), never the markup around it.
    link = '<a href="https://evil.example/" target="_blank" rel="noopener noreferrer nofollow">'
    assert said.inner_html() == (
        '&lt;div class="faq-card"&gt;&lt;b&gt;x&lt;/b&gt;&lt;/div&gt;<br>'
        f'&lt;a href="{link}https://evil.example/</a>"&gt;Renew&lt;/a&gt;'
    )
    expect(pane.locator(".chat-messages .faq-card")).to_have_count(0)
    expect(pane.locator(".chat-messages a")).to_have_text(["https://evil.example/"])
    mine = chat.get_by_role("list", name="Messages").locator("li.from-patron .body")
    expect(mine).to_have_count(2)  # the question from the pre-chat form, then this
    assert mine.last.inner_html() == said.inner_html()


def test_a_reply_whose_socket_dropped_before_the_answer_is_sent_again_once(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    operator_page = browser.new_context().new_page()
    dropped = []

    def connection(socket):
        server = socket.connect_to_server()

        def from_page(message):
            if '"patron.send"' in message and not dropped:
                dropped.append(message)  # lost on the way, and the connection with it
                socket.close()
                server.close()
                return
            server.send(message)

        socket.on_message(from_page)

    operator_page.route_web_socket("**/ws/dashboard/", connection)
    operator, _, chat, pane = claimed_chat_with_ada(
        browser, log_in, live_server_daphne.url, sites(), operator_page=operator_page
    )
    reply = pane.get_by_role("textbox", name="Reply to Ada")
    reply.press_sequentially("The map is on the second floor.")
    reply.press("Enter")

    # The page reconnects and sends the reply nobody answered; the server keeps it once.
    said = chat.get_by_role("list", name="Messages").locator("li.from-operator .body")
    expect(said).to_have_text(["The map is on the second floor."])
    assert len(dropped) == 1
    expect(pane.locator(".chat-messages li.from-operator .body")).to_have_text(
        ["The map is on the second floor."]
    )
    expect(pane.locator(".compose-error")).to_be_empty()
    bodies = outside_the_loop(
        lambda: list(
            PatronChat.objects.get()
            .messages.filter(sender="operator")
            .values_list("body", flat=True)
        )
    )
    assert bodies == ["The map is on the second floor."]


def test_the_waiting_list_follows_monitoring_changed_in_another_tab_and_held_chats_stay(
    browser, log_in, live_server_daphne
):
    def create():
        alice = OperatorFactory(display_name="Alice")
        return alice, reference_widget(alice)

    alice, widget = outside_the_loop(create)
    context = browser.new_context()
    dashboard = log_in(context.new_page(), alice)
    sign_in(dashboard)
    for name in ("Ada", "Bea"):
        patron = browser.new_context().new_page()
        patron.goto(f"{live_server_daphne.url}/widget/{widget.pk}/")
        patron.get_by_label("Your name (optional)").fill(name)
        patron.get_by_label("Your question").fill(f"{name} asks: do you have Middlemarch?")
        patron.get_by_role("button", name="Start Chat").click()
        expect(patron.get_by_role("status").first).to_contain_text("in line")
    dashboard.get_by_role("button", name="Claim Chat with Ada").click()
    pane = dashboard.get_by_role("article", name="Chat with Ada")
    expect(pane).to_contain_text("Alice joined the chat.")
    waiting = dashboard.get_by_role("list", name="Waiting patrons")
    expect(waiting.locator("li")).to_have_count(1)
    expect(waiting).to_contain_text("Bea")

    settings = context.new_page()  # the same operator, in another tab
    settings.goto(f"{live_server_daphne.url}/dashboard/settings/")
    settings.get_by_label("Reference").uncheck()
    settings.get_by_role("button", name="Save settings").click()
    expect(settings.get_by_text("Settings saved.")).to_be_visible()
    expect(waiting.locator("li")).to_have_count(0)
    expect(dashboard.get_by_text("No patrons are waiting.")).to_be_visible()
    # The chat Alice holds is still hers: its pane stays open, with what was said.
    expect(pane).to_contain_text("Ada asks: do you have Middlemarch?")
    expect(pane.get_by_role("button", name="End Chat")).to_be_visible()

    settings.get_by_label("Reference").check()
    settings.get_by_role("button", name="Save settings").click()
    expect(waiting.locator("li")).to_have_count(1)
    expect(waiting).to_contain_text("Bea")


def test_a_message_too_long_is_refused_in_the_widget_and_the_patron_keeps_every_word(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    _, _, chat, pane = claimed_chat_with_ada(browser, log_in, live_server_daphne.url, sites())
    box = chat.get_by_label("Your message")
    long_text = "word " * 999 + "last!"  # 5,000 characters
    box.fill(long_text)
    box.press("Enter")
    expect(chat.get_by_role("alert")).to_have_text(
        "Messages can be 4,000 characters at most; this one has 5,000."
    )
    expect(box).to_have_value(long_text)  # nothing cut, nothing lost
    box.press("Backspace")
    expect(chat.get_by_role("alert")).to_have_count(0)
    box.fill(long_text[:3990])
    box.press("Enter")
    expect(box).to_have_value("")
    expect(pane.locator(".chat-messages li.from-patron")).to_have_count(1)
    expect(pane.locator(".chat-messages li.from-patron")).to_contain_text("word word")


def within(inner: dict, outer: dict) -> bool:
    """Whether one bounding box lies wholly inside another (both from Playwright, in pixels)."""
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def assert_in_view(patron, *controls):
    """Each control is shown inside the widget's frame, not below its visible area."""
    frame = patron.locator('iframe[title="Ask a Librarian"]').bounding_box()
    for control in controls:
        expect(control).to_be_visible()
        assert within(control.bounding_box(), frame), control


def test_the_patrons_box_and_end_chat_stay_in_view_however_long_the_chat(
    browser,
    log_in,
    live_server_daphne,
    sites,
):
    _, patron, chat, _ = claimed_chat_with_ada(browser, log_in, live_server_daphne.url, sites())
    messages = chat.get_by_role("list", name="Messages")
    box = chat.get_by_label("Your message")
    for n in range(1, 16):
        box.fill(f"Question {n}: and a line long enough to wrap in the widget's narrow panel.")
        box.press("Enter")
        expect(messages.locator("li.from-patron")).to_have_count(n + 1)  # and the question
    end = chat.get_by_role("button", name="End Chat")
    assert_in_view(patron, box, chat.get_by_role("button", name="Send"), end)
    # The list scrolls instead, kept at its newest message.
    assert messages.evaluate("(list) => list.scrollHeight > list.clientHeight + 100")
    assert_in_view(patron, messages.locator("li").last)
    end.click()
    asking = chat.get_by_role("group", name="End this chat?")
    assert_in_view(patron, asking)
    asking.get_by_role("button", name="End Chat").click()
    expect(chat.get_by_role("heading", name="You ended the chat.")).to_be_visible()
    chat.get_by_role("button", name="Send Rating").scroll_into_view_if_needed()
    assert_in_view(patron, chat.get_by_role("button", name="Send Rating"))


def _status_set(page, status: str) -> None:
    """The operator picks a status from the menu on their picture."""
    page.get_by_role("button", name=re.compile("Your status")).click()
    page.get_by_role("menuitem", name=status).click()
    expect(page.locator("#my-dot")).to_have_attribute("data-status", status.lower())


def _patron_asks(browser, base_url: str, widget, name: str):
    """A patron who opened the widget's page and started a chat; their page."""
    patron = browser.new_context().new_page()
    patron.goto(f"{base_url}/widget/{widget.pk}/")
    patron.get_by_label("Your name (optional)").fill(name)
    patron.get_by_label("Your question").fill(f"{name} asks: do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.get_by_role("status").first).to_have_text("You are number 1 in line")
    return patron


def test_away_gets_no_new_chat_but_answers_the_one_held_and_the_header_says_away(
    browser, log_in, live_server_daphne
):
    def create():
        alice, bob = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Bob")
        return alice, bob, reference_widget(alice, bob)

    alice, bob, widget = outside_the_loop(create)
    alices, bobs = (log_in(browser.new_context().new_page(), op) for op in (alice, bob))
    for page in (alices, bobs):
        sign_in(page)
    ada = _patron_asks(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    pane = alices.get_by_role("article", name="Chat with Ada")
    expect(ada.get_by_text("You are chatting with Alice")).to_be_visible()

    _status_set(alices, "Away")
    expect(alices.locator("#libchat-me")).to_contain_text("LibChat: You are away: Go Chat")
    expect(alices.get_by_text("Your status is Away: new patron chats go only to")).to_be_visible()
    _patron_asks(browser, live_server_daphne.url, widget, "Bea")
    expect(bobs.get_by_role("list", name="Waiting patrons")).to_contain_text("Bea")
    expect(alices.get_by_role("button", name="Claim Chat with Bea")).to_have_count(0)
    expect(alices.get_by_text("No patrons are waiting.")).to_be_hidden()

    # The chat Alice holds is still hers to answer.
    pane.get_by_role("textbox", name="Reply to Ada").fill("Yes, on floor 2.")
    pane.get_by_role("textbox", name="Reply to Ada").press("Enter")
    expect(ada.get_by_role("list", name="Messages")).to_contain_text("Alice: Yes, on floor 2.")
    ada.get_by_label("Your message").fill("Thanks!")
    ada.get_by_label("Your message").press("Enter")
    expect(pane.locator(".chat-messages")).to_contain_text("Ada: Thanks!")

    _status_set(alices, "Online")
    expect(alices.locator("#libchat-me")).to_contain_text("LibChat: You are online: Go Chat")
    expect(alices.get_by_role("list", name="Waiting patrons")).to_contain_text("Bea")


def test_a_patron_left_waiting_by_the_last_librarian_is_told_offered_the_form_and_kept_in_line(
    browser, log_in, live_server_daphne
):
    def create():
        alice = OperatorFactory(display_name="Alice")
        widget = reference_widget(
            alice, offline_behaviour="ticket_form", offline_message="We are back at 9 tomorrow."
        )
        return alice, widget

    alice, widget = outside_the_loop(create)
    alices = log_in(browser.new_context().new_page(), alice)
    sign_in(alices)
    ada = _patron_asks(browser, live_server_daphne.url, widget, "Ada")
    header = ada.get_by_role("banner")
    expect(header).to_contain_text("Waiting for a librarian")

    _status_set(alices, "Away")
    expect(ada.get_by_text("No librarian is available right now.")).to_be_visible()
    expect(ada.get_by_text("We are back at 9 tomorrow.")).to_be_visible()
    expect(ada.get_by_role("heading", name="Leave a question")).to_be_visible()
    expect(ada.get_by_role("button", name="Send Question")).to_be_visible()
    expect(ada.get_by_role("status").first).to_have_text("You are number 1 in line")
    expect(header).to_contain_text("No librarian available")

    # Alice is back: the offer goes, Ada's chat is still in line and Alice claims it.
    _status_set(alices, "Online")
    expect(ada.get_by_text("No librarian is available right now.")).to_be_hidden()
    expect(ada.get_by_role("button", name="Send Question")).to_be_hidden()
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    expect(ada.get_by_text("You are chatting with Alice")).to_be_visible()
    expect(header).to_contain_text("Chatting with a librarian")

    # Away again, Alice still holds the chat: the widget is offline for new patrons, but Ada's
    # header follows her chat, not the widget.
    _status_set(alices, "Away")
    expect(ada.locator("body")).to_have_attribute("data-online", "false")
    expect(header).to_contain_text("Chatting with a librarian")
    expect(header).not_to_contain_text("Offline")
    expect(ada.get_by_text("No librarian is available right now.")).to_be_hidden()


def test_a_chat_transferred_in_while_typing_to_another_patron_leaves_the_cursor_where_it_was(
    browser, log_in, live_server_daphne
):
    def create():
        alice, carol = OperatorFactory(display_name="Alice"), OperatorFactory(display_name="Carol")
        return alice, carol, reference_widget(alice, carol)

    alice, carol, widget = outside_the_loop(create)
    alices, carols = (log_in(browser.new_context().new_page(), op) for op in (alice, carol))
    for page in (alices, carols):
        sign_in(page)
    _patron_asks(browser, live_server_daphne.url, widget, "Ada")
    alices.get_by_role("button", name="Claim Chat with Ada").click()
    _patron_asks(browser, live_server_daphne.url, widget, "Bea")
    carols.get_by_role("button", name="Claim Chat with Bea").click()

    to_ada = alices.get_by_role("article", name="Chat with Ada").get_by_role(
        "textbox", name="Reply to Ada"
    )
    expect(to_ada).to_be_focused()  # her own claim: the reply box is ready
    alices.keyboard.type("The maps are on fl")
    bea_at_carol = carols.get_by_role("article", name="Chat with Bea")
    bea_at_carol.locator("summary", has_text="Transfer").click()
    bea_at_carol.get_by_label("Transfer to").select_option(label="Alice")
    bea_at_carol.get_by_role("button", name="Transfer Chat").click()

    # The offer waits in Alice's rail; Ada's chat stays on screen, the cursor in it.
    offer = alices.get_by_role("listitem", name="Carol offers you Bea's chat")
    expect(offer).to_be_visible()
    alices.keyboard.type("oor 2.")
    expect(to_ada).to_have_text("The maps are on floor 2.")
    expect(to_ada).to_be_focused()
    bea_row = alices.locator("#my-chat-list li").filter(has_text="Bea")
    expect(bea_row).to_have_count(0)
    offer.get_by_role("button", name="Accept").click()
    expect(bea_row).to_have_count(1)
    expect(offer).to_have_count(0)
    to_bea = alices.get_by_role("article", name="Chat with Bea").get_by_role(
        "textbox", name="Reply to Bea"
    )
    expect(to_bea).to_be_focused()
    expect(to_bea).to_have_text("")
