"""What a person does in the pages, shared by the browser tests."""

import re
from pathlib import Path

from playwright.sync_api import FrameLocator, Page, expect

from tests.factories import PASSWORD

# The README's pictures: redrawn by the browser tests that reach each state, so they show the
# product as it is.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows now as docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path)
    return path


def settled(page: Page) -> Page:
    """After a reload: the page's modules ran and its socket is open, so its controls work."""
    expect(page.locator("body")).to_have_attribute("data-socket", "open")
    return page


def sign_in(page: Page) -> Page:
    """Sign In from the header, as a person does: the page that comes back shows Online and its
    controls work (a click or a key before its modules ran would be lost). The page being left
    hears its own sign-in too and shows Online for a moment: only the new page counts."""
    with page.expect_navigation():
        page.get_by_role("banner").get_by_role("button", name="Sign In").click()
    expect(page.locator("#my-dot")).to_have_attribute("data-status", "online")
    return settled(page)


def slow_network(page: Page, *, latency_ms: int) -> None:
    """Every request of this page's browser takes this much longer, as on a busy machine or a
    branch's slow line: a test that takes a page still on screen for the next one fails."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency_ms, "downloadThroughput": -1, "uploadThroughput": -1},
    )


def log_in_at(page: Page, base_url: str, operator, path: str = "/dashboard/") -> Page:
    """Log in through the login page and wait for the dashboard socket."""
    page.goto(f"{base_url}/accounts/login/?next={path}")
    page.get_by_label("Username").fill(operator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    return settled(page)


def patron_ends_chat(chat: FrameLocator) -> None:
    """In the widget's frame: End Chat, then End Chat again where it asks "End this chat?"."""
    chat.get_by_role("button", name="End Chat").click()
    chat.get_by_role("group", name="End this chat?").get_by_role("button", name="End Chat").click()


def outside_the_loop(function, *args, **kwargs):
    """Run function in another thread and return its result.

    Playwright keeps an event loop running in the test's thread, where async_to_sync (every
    broadcast after commit, such as a new membership's) refuses to run.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run():
        try:
            return function(*args, **kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def xss_corpus_send(page: Page, action: str, **target) -> int:
    """Send every payload of the XSS corpus as a message, through a second dashboard socket of
    the page's operator (`action` and `target` say where, e.g. room.send, room_id=3). Returns
    how many messages went out."""
    from tests.internalchat.test_consumers import XSS_PAYLOADS

    frames = [
        {"action": action, **target, "body": f"#{index} {payload}",
         "client_msg_id": f"xss-{index}"}
        for index, payload in enumerate(XSS_PAYLOADS)
    ]  # fmt: skip
    page.evaluate(
        """(frames) => new Promise((resolve) => {
            const ws = new WebSocket(`ws://${location.host}/ws/dashboard/`);
            ws.onopen = () => { for (const f of frames) ws.send(JSON.stringify(f)); resolve(); };
        })""",
        frames,
    )
    return len(frames)


def timed(line: str | re.Pattern) -> re.Pattern:
    """A message's line as shown: its time first in the page's language, as the server writes
    it in a transcript ("2:05 PM" or "11:05 AM" in English, never "02:05 PM"; "14:05" or "09:05"
    in French), then what was said."""
    said = line.pattern.lstrip("^") if isinstance(line, re.Pattern) else re.escape(line) + "$"
    return re.compile(r"^(?:(?:1[0-2]|[1-9]):\d\d [AP]M|\d\d:\d\d) " + said)
