"""A Redis outage mid-chat: the pages back off instead of hammering the server, and the chat
goes on once Redis is back, nothing lost or doubled."""

import subprocess
import time

import pytest
import redis
from playwright.sync_api import expect

from tests.browser.desks import reference_widget
from tests.browser.pages import log_in_at, outside_the_loop, sign_in
from tests.factories import OperatorFactory
from tests.processes import Server, free_port

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 15

# Every WebSocket a page opens, by path and time, as the browser makes them.
COUNT_SOCKETS = """
window.__sockets = [];
window.WebSocket = class extends window.WebSocket {
  constructor(url, ...rest) {
    super(url, ...rest);
    window.__sockets.push({ path: new URL(url).pathname, at: Date.now() });
  }
};
"""


class RedisServer:
    """A redis-server of the test's own on a free port, to stop and start again on that port."""

    def __init__(self, directory):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.start()

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def server(own_redis):
    daphne = Server(extra_env={"REDIS_URL": own_redis.url, "LIBCHAT_PING_SECONDS": "2"})
    yield daphne
    daphne.stop()


def attempts_since(page, since_ms: float) -> dict[str, int]:
    counts: dict[str, int] = {}
    for socket in page.evaluate("window.__sockets"):
        if socket["at"] >= since_ms:
            counts[socket["path"]] = counts.get(socket["path"], 0) + 1
    return counts


def test_pages_back_off_through_a_redis_outage_and_the_chat_goes_on_after(
    browser, server, own_redis
):
    def create():
        alice = OperatorFactory(display_name="Alice")
        return alice, reference_widget(alice)

    alice, widget = outside_the_loop(create)
    operator_context = browser.new_context()
    operator_context.add_init_script(COUNT_SOCKETS)
    operator = log_in_at(operator_context.new_page(), server.url, alice)
    sign_in(operator)

    patron_context = browser.new_context()
    patron_context.add_init_script(COUNT_SOCKETS)
    patron = patron_context.new_page()
    patron.goto(f"{server.url}/widget/{widget.pk}/")
    patron.get_by_label("Your question").fill("Do you have Middlemarch?")
    patron.get_by_role("button", name="Start Chat").click()
    expect(patron.get_by_text("You are number 1 in line")).to_be_visible()
    expect(operator.get_by_role("list", name="Waiting patrons")).to_contain_text("Middlemarch")
    operator.get_by_role("button", name="Claim Chat with Patron").click()
    pane = operator.get_by_role("article", name="Chat with Patron")
    expect(patron.get_by_text("You are chatting with Alice")).to_be_visible()
    expect(pane.get_by_label("Reply to Patron")).to_be_visible()
    patron_lines = patron.get_by_role("list", name="Messages")

    outage_began = patron.evaluate("Date.now()")
    own_redis.stop()
    # Each page sees its socket close, then keeps trying while Redis is down.
    expect(patron.locator("body")).to_have_attribute("data-chat-socket", "closed")
    expect(operator.locator("body")).to_have_attribute("data-socket", "closed")
    # The health check names what failed, for the load balancer.
    health = patron.request.get(f"{server.url}/healthz", timeout=10000)
    assert health.status == 503
    assert health.json()["redis"].startswith("failed")
    patron.get_by_label("Your message").fill("Still there?")
    patron.get_by_label("Your message").press("Enter")
    time.sleep(max(0, outage_began / 1000 + OUTAGE_SECONDS - time.time()))
    tried = {
        "patron": attempts_since(patron, outage_began),
        "operator": attempts_since(operator, outage_began),
    }
    print(f"attempts during the outage: {tried}")  # noqa: T201
    own_redis.start()
    started_again = time.monotonic()

    # No page's socket came back more than 6 times in the 15 s outage.
    for who, paths in tried.items():
        for path, count in paths.items():
            assert count <= 6, f"{who} opened {path} {count} times in {OUTAGE_SECONDS} s"
    assert tried["patron"], "the patron's page never tried again"

    # Each page comes back at its next retry, which the backoff may have put up to 16 s away.
    expect(patron.locator("body")).to_have_attribute("data-chat-socket", "open", timeout=40000)
    expect(operator.locator("body")).to_have_attribute("data-socket", "open", timeout=40000)
    recovered = time.monotonic() - started_again
    assert patron.request.get(f"{server.url}/healthz", timeout=10000).status == 200
    print(f"sockets usable again {recovered:.1f} s after Redis came back")  # noqa: T201

    # The patron's message written during the outage arrives once; a reply reaches the patron.
    expect(pane.get_by_role("list", name="Messages")).to_contain_text("Still there?")
    pane.get_by_label("Reply to Patron").fill("Yes, still here.")
    pane.get_by_role("button", name="Send Message").click()
    expect(patron_lines).to_contain_text("Alice: Yes, still here.")
    expect(patron_lines.get_by_text("Still there?")).to_have_count(1)
    expect(pane.get_by_role("list", name="Messages").get_by_text("Still there?")).to_have_count(1)
