"""Every page and state a person reaches, walked once: staff pages, the widget in each state (in
the demo library page, which has a strict policy of its own), the pop-out chat, meetings, and
the admin pages LibChat adds. In each state two things are checked:

- the site's Content-Security-Policy refused nothing (issue 19);
- axe-core finds no violation of WCAG 2.2 A/AA or of its best practices, in the page and in
  each of its frames (issue 18); the walk goes on, and the test fails at the end with every
  state's violations, each with its rule and element.
"""

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from canned.services import canned_reply_create
from internalchat.services import room_department_get_or_create
from tests.browser.axe import axe_violations
from tests.browser.pages import outside_the_loop, patron_ends_chat, settled, sign_in
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
from widgets import services
from widgets.demo import DEMO_WIDGET_NAME, demo_page_write
from widgets.models import Widget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# In every frame: each violation the browser reports, as the page's scripts could see it.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} ` +
    `(${event.sourceFile}:${event.lineNumber} ${event.sample})`
  );
}, true);
"""


FORGET_AXES_TRACES = """async () => {
  await new Promise((resolve) => setTimeout(resolve, 0));
  window.__cspViolations = [];
}"""


class PolicyWatch:
    """Browser contexts whose pages record every CSP violation, in the page and in the console."""

    def __init__(self, browser, libchat_url: str):
        self.browser = browser
        self.libchat_url = libchat_url
        self.console: list[str] = []
        self.policies: dict[str, str | None] = {}  # LibChat's pages: URL -> policy header
        self.inaccessible: list[str] = []  # axe's findings, state by state

    def context(self) -> BrowserContext:
        context = self.browser.new_context()
        context.add_init_script(RECORD_VIOLATIONS)
        context.on("console", self._console)
        context.on("response", self._response)
        return context

    def _response(self, response) -> None:
        if response.request.resource_type == "document":
            self.policies[response.url] = response.headers.get("content-security-policy")

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def clean(self, page: Page, where: str) -> None:
        """Nothing was refused on this page, in any of its frames, so far."""
        found = [
            f"{frame.url}: {violation}"
            for frame in page.frames
            for violation in frame.evaluate("window.__cspViolations || []")
        ]
        assert not found, f"{where}: {found}"
        assert not self.console, f"{where}: {self.console}"
        # ... and a page of LibChat's was under the strict policy, not without one.
        for frame in page.frames:
            url = frame.url.split("#")[0]
            if url.startswith(self.libchat_url):
                policy = (self.policies.get(url) or "").split(";")
                directives = {d.split()[0]: d.split()[1:] for d in policy if d.strip()}
                assert directives.get("script-src") == ["'self'"], f"{where}: {url} {policy}"
        for frame in page.frames:
            if frame.url.startswith("http"):
                found = axe_violations(frame)
                self.inaccessible += [f"{where} ({frame.url}): {v}" for v in found]
        # axe's own probes set inline styles, which the policy refuses: what it caused is not
        # the page's. Its violation events are queued tasks; one more task runs after them.
        for frame in page.frames:
            frame.evaluate(FORGET_AXES_TRACES)
        self.console.clear()

    def accessible(self) -> None:
        """Every state checked so far broke no accessibility rule."""
        assert not self.inaccessible, "axe found:\n" + "\n".join(self.inaccessible)


# Past the limit of a question: the server refuses it and the form says why.
TOO_LONG = "Is there a book about " + "very " * 1000 + "long questions?"


@pytest.fixture
def watch(browser, live_server_daphne):
    return PolicyWatch(browser, live_server_daphne.url)


def _library(site_url: str):
    reference = DepartmentFactory(name="Reference")
    alice = OperatorFactory(display_name="Alice", is_staff=True, is_superuser=True)
    MembershipFactory(operator=alice, department=reference)
    floating = services.widget_create(
        name=DEMO_WIDGET_NAME,
        allowed_origins=[site_url],
        first_choice=reference,
        kind=Widget.Kind.FLOATING,
        title="Ask a Librarian",
        offline_behaviour="ticket_form",
    )
    in_page = services.widget_create(
        name="Catalogue page",
        allowed_origins=[site_url],
        first_choice=reference,
        kind=Widget.Kind.IN_PAGE,
        title="Chat with us",
    )
    return alice, floating, in_page


def test_the_patron_and_staff_pages_of_a_chat_break_no_rule(
    watch, log_in, live_server_daphne, sites
):
    base = live_server_daphne.url
    library = sites()
    alice, floating, in_page = outside_the_loop(_library, library.url)
    outside_the_loop(
        canned_reply_create, owner=alice, title="Welcome", shortcut="hi", body="Hi {patron_name}!"
    )
    outside_the_loop(demo_page_write, directory=library.directory, base_url=base)

    # The library's page, widget closed, everyone signed out: then the offline form.
    patron = watch.context().new_page()
    patron.goto(f"{library.url}/index.html")
    button = patron.get_by_role("button", name="Ask a Librarian: Offline")
    expect(button).to_be_visible()
    watch.clean(patron, "library page, widget closed")
    button.click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    expect(chat.get_by_role("button", name="Send Question")).to_be_visible()
    watch.clean(patron, "offline form")
    chat.get_by_label("Email to answer you at").fill("ada@example.org")
    chat.get_by_label("What would you like to ask?").fill(TOO_LONG)
    chat.get_by_role("button", name="Send Question").click()
    expect(chat.get_by_text("Please keep your question under")).to_be_visible()
    watch.clean(patron, "offline form refused: question too long")
    chat.get_by_label("What would you like to ask?").fill("Can I renew by phone?")
    chat.get_by_role("button", name="Send Question").click()
    expect(chat.get_by_text("Thank you. We will answer by email.")).to_be_visible()
    watch.clean(patron, "offline form sent")

    operator = watch.context().new_page()
    operator.goto(f"{base}/accounts/login/")
    expect(operator.get_by_role("button", name="Log in")).to_be_visible()
    watch.clean(operator, "login page")
    log_in(operator, alice)
    watch.clean(operator, "Chats, not signed in to LibChat")
    sign_in(operator)
    watch.clean(operator, "Chats, signed in")
    operator.keyboard.press("Control+k")
    expect(operator.get_by_role("dialog")).to_be_visible()
    watch.clean(operator, "command bar open")
    operator.keyboard.press("Escape")
    expect(operator.get_by_role("dialog")).to_be_hidden()

    # Pre-chat, waiting, chatting, ended: in the library's page.
    patron.reload()
    patron.get_by_role("button", name="Ask a Librarian: Online").click()
    expect(chat.get_by_role("button", name="Start Chat")).to_be_visible()
    watch.clean(patron, "pre-chat form")
    chat.get_by_label("Your question").fill(TOO_LONG)
    chat.get_by_role("button", name="Start Chat").click()
    expect(chat.get_by_text("Please keep your question under")).to_be_visible()
    watch.clean(patron, "pre-chat form refused: question too long")
    chat.get_by_label("Your question").fill("Do you have Middlemarch?")
    chat.get_by_role("button", name="Start Chat").click()
    expect(chat.get_by_text("You are number 1 in line")).to_be_visible()
    watch.clean(patron, "waiting in line")
    operator.get_by_role("button", name="Claim Chat with Patron").click()
    pane = operator.get_by_role("article", name="Chat with Patron")
    reply = pane.get_by_label("Reply to Patron")
    reply.fill("Yes, ")
    reply.press("Control+b")
    reply.press_sequentially("on floor 2")
    reply.press("Enter")
    lines = chat.get_by_role("list", name="Messages")
    expect(lines).to_contain_text("Alice: Yes, on floor 2")
    chat.get_by_label("Your message").fill("Thank you!")
    chat.get_by_label("Your message").press("Enter")
    expect(pane.get_by_role("list", name="Messages")).to_contain_text("Thank you!")
    watch.clean(patron, "chatting")
    watch.clean(operator, "Chats with a chat open")
    reply.press_sequentially("/")
    expect(pane.get_by_role("option", name="Welcome /hi · Personal")).to_be_visible()
    watch.clean(operator, "canned replies offered after /")
    reply.press("Escape")
    reply.press("Backspace")
    patron_ends_chat(chat)
    expect(chat.get_by_role("button", name="Send Rating")).to_be_visible()
    watch.clean(patron, "chat ended, rating form")

    # The in-page widget and the pop-out chat page.
    library.page("catalogue.html", _snippet(in_page, base))
    patron.goto(f"{library.url}/catalogue.html")
    in_page_chat = patron.frame_locator('iframe[title="Chat with us"]')
    expect(in_page_chat.get_by_label("Your question")).to_be_visible()
    watch.clean(patron, "in-page widget")
    patron.goto(f"{base}/chati.php?hash={floating.hash}")
    expect(patron.get_by_label("Your question")).to_be_visible()
    watch.clean(patron, "pop-out chat page")

    # The records, the settings, and the admin pages LibChat adds.
    for path, sees in [
        ("/dashboard/settings/", operator.get_by_role("heading", name="Settings")),
        ("/dashboard/settings/canned/", operator.get_by_role("link", name="Edit Welcome")),
        ("/admin/canned/cannedreply/add/", operator.locator("#content")),
        ("/dashboard/transcripts/", operator.get_by_role("table")),
        ("/dashboard/tickets/", operator.get_by_text("Can I renew by phone?")),
        ("/admin/", operator.locator("#widgets-widget")),
        ("/admin/widgets/widget/", operator.get_by_role("link", name=DEMO_WIDGET_NAME)),
        (f"/admin/widgets/widget/{floating.pk}/change/", operator.get_by_text("Current status")),
        ("/admin/libchat/sitesettings/", operator.locator("#content")),
    ]:
        operator.goto(f"{base}{path}")
        expect(sees).to_be_visible()
        watch.clean(operator, path)
    operator.goto(f"{base}/dashboard/transcripts/")
    operator.get_by_role("table").get_by_role("link").first.click()
    expect(operator.get_by_role("list", name="Messages")).to_contain_text("Thank you!")
    watch.clean(operator, "a transcript")
    operator.goto(f"{base}/dashboard/tickets/")
    operator.get_by_role("link", name="Can I renew by phone?").click()
    expect(operator.get_by_role("button", name="Send Answer")).to_be_visible()
    watch.clean(operator, "a ticket")
    operator.goto(f"{base}/admin/widgets/widget/{floating.pk}/change/")
    operator.locator("#embed-snippet").click()
    operator.get_by_role("button", name="Copy").first.click()
    expect(operator.locator("#snippet-copied")).not_to_be_empty()
    watch.clean(operator, "widget admin, snippet copied")
    watch.accessible()


def _snippet(widget, base_url):
    from widgets import selectors

    return selectors.widget_embed_snippet(widget=widget, base_url=base_url)


def _reference_pair():
    host = MembershipFactory(operator__display_name="Hana Host", department__name="Reference")
    other = MembershipFactory(department=host.department, operator__display_name="Omar Other")
    room_department_get_or_create(department=host.department)
    return host.operator, other.operator


def test_internal_chat_and_meetings_break_no_rule(watch, log_in, live_server_daphne):
    host, other = outside_the_loop(_reference_pair)
    host_page = log_in(watch.context().new_page(), host)
    other_page = log_in(watch.context().new_page(), other)

    host_page.locator('.room-link[data-room-name="Reference"]').click()
    message = host_page.get_by_role("textbox", name="Message")
    message.fill("Morning, ")
    message.press("Control+i")
    message.press_sequentially("all")
    message.press("Enter")
    expect(other_page.locator(".room-link[data-room-name='Reference']")).to_contain_text("1")
    host_page.get_by_role("button", name="Insert an emoji").click()
    picker = host_page.locator("emoji-picker")
    expect(picker.get_by_role("tab").first).to_be_visible()
    picker.get_by_role("menuitem").first.click()
    expect(message).not_to_be_empty()
    watch.clean(host_page, "internal room, emoji picker used")

    host_page.get_by_role("button", name="Start meeting with Reference").click()
    other_page.get_by_role("dialog").get_by_role("link", name="Accept").click()
    expect(host_page.get_by_label("Invite by email")).to_be_visible()
    watch.clean(other_page, "invitation accepted")
    host_page.get_by_label("Invite by email").fill("guest@example.org")
    host_page.get_by_role("button", name="Send invitation").click()
    expect(host_page.get_by_role("status").filter(has_text="Invitation sent")).to_be_visible()
    watch.clean(host_page, "meeting page")

    from pathlib import Path

    mail = "\n".join(p.read_text() for p in Path(live_server_daphne.mail_dir).glob("*.log"))
    guest = watch.context().new_page()
    guest.goto(re.search(r"Join: (\S+)", mail).group(1))
    expect(guest.get_by_label("Your name")).to_be_visible()
    watch.clean(guest, "guest join page")
    guest.get_by_label("Your name").fill("Pat Guest")
    guest.get_by_role("button", name="Join meeting").click()
    expect(host_page.locator("#participants")).to_contain_text("Pat Guest")
    watch.clean(guest, "guest in the meeting")
    settled(other_page)
    watch.clean(other_page, "meeting page of a member")
    watch.accessible()
