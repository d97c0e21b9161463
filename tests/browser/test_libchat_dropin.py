"""A library's page written for Springshare's LibChat, with only the host name changed, works
against LibChat-here: the widget is drawn into its div, the page relabels the slide-out button by
LibChat's id, polls the status by fetch, XMLHttpRequest and JSONP, and links the pop-out chat."""

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop, sign_in
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory
from widgets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LIBCHAT_ID = 9616
LIBCHAT_HASH = "8a1f3c5e7b9d0f2a4c6e8b0d2f4a6c8e"

# The three contracts, each read the way library sites read them. Real pages poll every 15 to
# 60 seconds; this one polls every half second so the test need not wait that long.
LIBCHAT_PAGE = """
<div id="libchat_@HASH@"></div>
<script src="@HOST@/load_chat.php?hash=@HASH@"></script>
<ul>
  <li>fetch: <span id="by-fetch">unknown</span></li>
  <li>XMLHttpRequest: <span id="by-xhr">unknown</span></li>
  <li>XMLHttpRequest with a header (a preflight first): <span id="by-xhr-header">unknown</span></li>
  <li>JSONP: <span id="by-jsonp">unknown</span></li>
</ul>
<p><a href="@HOST@/chati.php?hash=@HASH@" target="_blank">Chat in a new window</a></p>
<script>
  var statusUrl = "@HOST@/1.0/chat/widgets/status/@ID@";
  function say(id, data) {
    document.getElementById(id).textContent = data.online ? "online" : "offline";
  }
  window.libraryChatStatus = function (data) { say("by-jsonp", data); };
  function poll() {
    fetch(statusUrl)
      .then(function (response) { return response.json(); })
      .then(function (data) { say("by-fetch", data); });
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "@HOST@/api/1.0/chat/widgets/status/@ID@");
    xhr.onload = function () { say("by-xhr", JSON.parse(xhr.responseText)); };
    xhr.send();
    var asked = new XMLHttpRequest();
    asked.open("GET", statusUrl);
    asked.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    asked.onload = function () { say("by-xhr-header", JSON.parse(asked.responseText)); };
    asked.send();
    var jsonp = document.createElement("script");
    jsonp.src = statusUrl + "?callback=libraryChatStatus&_=" + Date.now();
    jsonp.onload = function () { jsonp.remove(); };
    document.head.appendChild(jsonp);
  }
  poll();
  setInterval(poll, 500);
  // The library's own label for LibChat's slide-out button, set once the button appears.
  new MutationObserver(function (changes, observer) {
    var button = document.getElementById("lcs_slide_out_button-@ID@");
    if (!button) return;
    observer.disconnect();
    button.textContent = "Ask Springfield";
  }).observe(document.body, { childList: true, subtree: true });
</script>
"""


@pytest.fixture
def moved_widget(live_server_daphne, sites):
    """An existing widget, then set to the LibChat widget id and hash of the one it replaces."""
    library = sites()

    def create():
        reference = DepartmentFactory()
        alice = OperatorFactory(display_name="Alice")
        MembershipFactory(operator=alice, department=reference)
        widget = services.widget_create(
            name="Main site",
            kind="slide_out",
            allowed_origins=[library.url],
            first_choice=reference,
            title="Ask a Librarian",
            online_greeting="Hi! A librarian is here.",
            offline_message="Nobody is here right now.",
        )
        widget.libchat_id, widget.libchat_hash = LIBCHAT_ID, LIBCHAT_HASH
        widget.full_clean()
        widget.save()
        return widget, alice

    widget, alice = outside_the_loop(create)
    page = (
        LIBCHAT_PAGE.replace("@HOST@", live_server_daphne.url)
        .replace("@HASH@", LIBCHAT_HASH)
        .replace("@ID@", str(LIBCHAT_ID))
    )
    return library.page("index.html", page), widget, alice


def test_a_page_written_for_libchat_works_after_changing_the_host_name(
    browser, live_server_daphne, log_in, moved_widget
):
    url, widget, alice = moved_widget
    patron = browser.new_context().new_page()
    patron.goto(url)

    drawn = patron.locator(f"#libchat_{LIBCHAT_HASH} [data-libchat-widget='{widget.pk}']")
    expect(drawn).to_have_attribute("data-status", "offline")
    button = patron.locator(f"#lcs_slide_out_button-{LIBCHAT_ID}")
    expect(button).to_have_accessible_name("Ask Springfield")  # the page's own label
    for way in ["by-fetch", "by-xhr", "by-xhr-header", "by-jsonp"]:
        expect(patron.locator(f"#{way}")).to_have_text("offline")

    operator = log_in(browser.new_context().new_page(), alice)
    sign_in(operator)
    for way in ["by-fetch", "by-xhr", "by-xhr-header", "by-jsonp"]:
        expect(patron.locator(f"#{way}")).to_have_text("online")
    expect(drawn).to_have_attribute("data-status", "online")

    patron.get_by_role("button", name="Ask Springfield").click()
    chat = patron.frame_locator('iframe[title="Ask a Librarian"]')
    expect(chat.get_by_text("Hi! A librarian is here.")).to_be_visible()
    expect(chat.get_by_label("Your question")).to_be_visible()

    with patron.expect_popup() as opened:
        patron.get_by_role("link", name="Chat in a new window").click()
    popout = opened.value
    expect(popout.get_by_role("heading", name="Ask a Librarian")).to_be_visible()
    expect(popout.get_by_text("Hi! A librarian is here.")).to_be_visible()
    expect(popout.get_by_label("Your question")).to_be_visible()
    assert popout.url == f"{live_server_daphne.url}/chati.php?hash={LIBCHAT_HASH}"
