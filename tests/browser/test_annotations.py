"""Annotating a shared screen in Chromium with fake media: a stroke drawn on one side lands on the
same spot of the shared picture on the other, whatever each window's size, over the data channel
and, when that is closed, over the socket; Clear, Clear all, fading and malformed frames."""

import json
import re

import pytest
from playwright.sync_api import Frame, Locator, Page, expect

from tests.browser.pages import screenshot
from tests.browser.test_meetings import ALL_CONNECTED, RECEIVES
from tests.browser.test_patron_chats import assert_in_view, claimed_chat_with_ada
from tests.factories import OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 640}
NARROW = {"width": 720, "height": 900}


def overlay_of(screen_name: str) -> str:
    return f'.screen-frame:has(video[aria-label="{screen_name}"]) .annotation-layer'


def strokes(target: Page | Frame, overlay: str) -> list[dict]:
    return json.loads(target.locator(overlay).get_attribute("data-strokes"))


def wait_for_strokes(target: Page | Frame, overlay: str, count: int) -> None:
    """Until the overlay holds `count` strokes, each drawn to its end."""
    target.wait_for_function(
        """([selector, count]) => {
          const canvas = document.querySelector(selector);
          const strokes = canvas && JSON.parse(canvas.dataset.strokes);
          return strokes && strokes.length === count && strokes.every((stroke) => stroke.done);
        }""",
        arg=[overlay, count],
        polling=100,  # not on animation frames, which a page in the background may not get
        timeout=20000,
    )


# Whether the canvas has paint around a point of the shared picture (0..1), found the way the
# test sees the picture: the video's proportions fitted into its element, centred.
PAINTED = """([selector, x, y]) => {
  const canvas = document.querySelector(selector);
  const video = canvas.parentElement.querySelector("video");
  const scale = Math.min(
    video.clientWidth / video.videoWidth, video.clientHeight / video.videoHeight);
  const left = (video.clientWidth - video.videoWidth * scale) / 2 + x * video.videoWidth * scale;
  const top = (video.clientHeight - video.videoHeight * scale) / 2 + y * video.videoHeight * scale;
  const ratio = canvas.width / canvas.clientWidth;
  const pixels = canvas.getContext("2d").getImageData(
    Math.round(left * ratio) - 3, Math.round(top * ratio) - 3, 7, 7).data;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) return true;
  return false;
}"""


def painted(target: Page | Frame, overlay: str, x: float, y: float) -> bool:
    return target.evaluate(PAINTED, [overlay, x, y])


def picture_point(page: Page, video: Locator, x: float, y: float) -> tuple[float, float]:
    """Where (x, y) of the shared picture is on the page: the picture keeps its proportions
    inside the video element (object-fit: contain), with bars on two sides."""
    box = video.bounding_box()
    width, height = video.evaluate("(v) => [v.videoWidth, v.videoHeight]")
    scale = min(box["width"] / width, box["height"] / height)
    left = box["x"] + (box["width"] - width * scale) / 2
    top = box["y"] + (box["height"] - height * scale) / 2
    return left + x * width * scale, top + y * height * scale


def letterboxed(video: Locator) -> bool:
    return video.evaluate(
        "(v) => Math.abs(v.clientWidth / v.clientHeight - v.videoWidth / v.videoHeight) > 0.05"
    )


def draw(page: Page, video: Locator, start, end) -> None:
    video.scroll_into_view_if_needed()  # in the widget's small frame, the screen may be scrolled
    page.mouse.move(*picture_point(page, video, *start))
    page.mouse.down()
    page.mouse.move(*picture_point(page, video, *end), steps=12)
    page.mouse.up()


def assert_the_diagonal(stroke: dict) -> None:
    first, last = stroke["points"][0], stroke["points"][-1]
    assert first == pytest.approx([0.2, 0.2], abs=0.01)
    assert last == pytest.approx([0.8, 0.8], abs=0.01)
    assert len(stroke["points"]) >= 3  # drawn as it moved, thinned, not just its two ends


def loaded(video: Locator) -> Locator:
    expect(video).to_be_visible()
    video.evaluate("(v) => new Promise((ok) => v.videoWidth ? ok() : v.onloadedmetadata = ok)")
    return video


def test_a_stroke_on_a_shared_screen_lands_on_the_same_spot_for_sharer_and_viewer(browser, log_in):
    alice = OperatorFactory(display_name="Alice")
    bob = OperatorFactory(display_name="Bob")
    # Bob prefers reduced motion: his strokes go without fading out; Alice sees them fade.
    bob_page = log_in(browser.new_context(viewport=NARROW, reduced_motion="reduce").new_page(), bob)
    alice_page = log_in(browser.new_context(viewport=WIDE).new_page(), alice)
    alice_page.locator('.room-link[data-room-name="Bob"]').click()
    alice_page.get_by_role("button", name="Request Screenshare with Bob").click()
    bob_page.get_by_role("dialog").get_by_role("link", name="Accept").click()
    for page in (alice_page, bob_page):
        page.wait_for_function(ALL_CONNECTED, arg=1, timeout=20000)

    # Nothing shared, nothing to annotate.
    expect(bob_page.get_by_role("button", name="Annotate")).to_be_hidden()
    alice_page.get_by_role("button", name="Share screen").click()
    bob_page.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    shared = bob_page.get_by_label("Alice's screen")
    preview = alice_page.get_by_label("Your screen")
    for video in (shared, preview):
        loaded(video)
    # The two windows place the picture differently: the wide one has bars at its sides.
    assert letterboxed(preview) and not letterboxed(shared)
    on_bob, on_alice = overlay_of("Alice's screen"), overlay_of("Your screen")

    # Keyboard alone: the shortcut turns annotate mode on, Escape leaves it, Enter on the
    # focused button turns it on again.
    annotate = bob_page.get_by_role("button", name="Annotate")
    bob_page.keyboard.press("Alt+Shift+A")
    expect(annotate).to_have_attribute("aria-pressed", "true")
    tools = bob_page.get_by_role("group", name="Annotation tools")
    expect(tools).to_be_visible()
    bob_page.keyboard.press("Escape")
    expect(annotate).to_have_attribute("aria-pressed", "false")
    expect(tools).to_be_hidden()
    expect(annotate).to_be_focused()
    bob_page.keyboard.press("Enter")
    expect(annotate).to_have_attribute("aria-pressed", "true")
    tools.get_by_role("button", name="Pin").click()
    expect(tools.get_by_role("button", name="Pin")).to_have_attribute("aria-pressed", "true")
    expect(tools.get_by_role("button", name="Clear all")).to_be_hidden()  # not Bob's screen

    # Bob draws the diagonal on Alice's screen: Alice sees it on her own preview, at the same
    # points of the picture although her window is another size.
    draw(bob_page, shared, (0.2, 0.2), (0.8, 0.8))
    wait_for_strokes(alice_page, on_alice, 1)
    [stroke] = strokes(alice_page, on_alice)
    assert_the_diagonal(stroke)
    assert stroke["tool"] == "pen" and stroke["pin"] is True
    assert strokes(bob_page, on_bob)[0]["points"] == stroke["points"]
    for page, overlay in ((alice_page, on_alice), (bob_page, on_bob)):
        for along in (0.25, 0.5, 0.75):
            assert painted(page, overlay, along, along)
        assert not painted(page, overlay, 0.8, 0.2)
    screenshot(alice_page, "annotate-sharer")
    screenshot(bob_page, "annotate-viewer")

    # On a phone-sized window the stroke is drawn again over the smaller picture, in place.
    bob_page.set_viewport_size({"width": 390, "height": 844})
    bob_page.wait_for_function(
        """(selector) => document.querySelector(selector).width
             === Math.round(document.querySelector(selector).clientWidth * devicePixelRatio)""",
        arg=on_bob,
    )
    for along in (0.25, 0.5, 0.75):
        assert painted(bob_page, on_bob, along, along)
    assert not painted(bob_page, on_bob, 0.8, 0.2)
    expect(tools.get_by_role("button", name="Clear", exact=True)).to_be_in_viewport()
    screenshot(bob_page, "annotate-viewer-390")

    # Malformed frames on the data channel are dropped, counted, and change nothing.
    alice_id = int(re.search(r"\d+", alice_page.locator(".screen-frame").get_attribute("id"))[0])
    bad = [
        "not json",
        {"annotation": {"screen": alice_id, "op": "stroke", "stroke": "x", "tool": "pen",
                        "color": "red", "pin": True, "done": True, "points": [[2, 2]]}},
        {"annotation": {"screen": alice_id, "op": "stroke", "stroke": "y", "tool": "spray",
                        "color": "red", "pin": True, "done": True, "points": [[0.5, 0.5]]}},
        {"annotation": {"screen": alice_id, "op": "clear", "all": True}},  # Bob may not
    ]  # fmt: skip
    bob_page.evaluate(
        """(frames) => {
          const [peer] = window.__meeting.peers.values();
          for (const f of frames) peer.channel.send(typeof f === "string" ? f : JSON.stringify(f));
        }""",
        bad,
    )
    expect(alice_page.locator(".meeting")).to_have_attribute("data-annotations-ignored", "4")
    assert len(strokes(alice_page, on_alice)) == 1

    # Clear takes Bob's strokes away on both sides.
    tools.get_by_role("button", name="Clear", exact=True).click()
    for page, overlay in ((alice_page, on_alice), (bob_page, on_bob)):
        wait_for_strokes(page, overlay, 0)
        assert not painted(page, overlay, 0.5, 0.5)

    # With the data channel closed, strokes go over the socket; the sharer may clear them all.
    bob_page.evaluate("() => [...window.__meeting.peers.values()][0].channel.close()")
    alice_page.wait_for_function(
        "() => [...window.__meeting.peers.values()][0].channel.readyState === 'closed'"
    )
    tools.get_by_role("button", name="Arrow").click()
    draw(bob_page, shared, (0.2, 0.2), (0.8, 0.8))
    wait_for_strokes(alice_page, on_alice, 1)
    assert strokes(alice_page, on_alice)[0]["tool"] == "arrow"
    alice_page.keyboard.press("Alt+Shift+A")
    alice_tools = alice_page.get_by_role("group", name="Annotation tools")
    alice_tools.get_by_role("button", name="Clear all").click()
    for page, overlay in ((alice_page, on_alice), (bob_page, on_bob)):
        wait_for_strokes(page, overlay, 0)

    # Unpinned, a stroke fades away by itself.
    tools.get_by_role("button", name="Pin").click()
    tools.get_by_role("button", name="Highlighter").click()
    draw(bob_page, shared, (0.3, 0.6), (0.6, 0.6))
    wait_for_strokes(alice_page, on_alice, 1)
    wait_for_strokes(alice_page, on_alice, 0)
    wait_for_strokes(bob_page, on_bob, 0)

    # Annotations end with the share.
    alice_page.get_by_role("button", name="Stop sharing").click()
    expect(bob_page.locator(".annotation-layer")).to_have_count(0)
    expect(annotate).to_be_hidden()
    expect(alice_page.locator(".annotation-layer")).to_have_count(0)


def test_the_patron_annotates_the_librarians_screen_in_the_widget_and_the_host_clears_all(
    browser, log_in, live_server_daphne, sites
):
    operator, patron, chat, pane = claimed_chat_with_ada(
        browser, log_in, live_server_daphne.url, sites()
    )
    pane.get_by_role("button", name="Offer screenshare").click()
    chat.get_by_role("button", name="Accept").click()
    widget = next(f for f in patron.frames if "/widget/" in f.url)
    for page in (operator, widget):
        page.wait_for_function(ALL_CONNECTED, arg=1, timeout=20000)
    pane.get_by_role("button", name="Share screen").click()
    widget.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    shared = loaded(chat.get_by_label("Alice's screen"))
    loaded(pane.get_by_label("Your screen"))
    on_ada, on_alice = overlay_of("Alice's screen"), overlay_of("Your screen")

    chat.get_by_role("button", name="Annotate").click()
    tools = chat.get_by_role("group", name="Annotation tools")
    tools.get_by_role("button", name="Pin").click()
    # The tools fit the widget with the chat's own controls still in view.
    assert_in_view(patron, tools.get_by_role("button", name="Clear"),
                   chat.get_by_role("button", name="End Chat"))  # fmt: skip
    draw(patron, shared, (0.2, 0.2), (0.8, 0.8))
    wait_for_strokes(operator, on_alice, 1)
    assert_the_diagonal(strokes(operator, on_alice)[0])
    assert painted(operator, on_alice, 0.5, 0.5)
    screenshot(patron, "annotate-widget")

    # A malformed frame from the widget's side is dropped by the librarian's page.
    widget.evaluate(
        """() => [...window.__meeting.peers.values()][0].channel.send(
             JSON.stringify({annotation: {screen: 1, op: "stroke", points: "all"}}))"""
    )
    expect(pane.locator(".meeting")).to_have_attribute("data-annotations-ignored", "1")

    # The librarian hosts and shares: Clear all takes the patron's strokes away on both sides.
    pane.get_by_role("button", name="Annotate").click()
    pane.get_by_role("button", name="Clear all").click()
    wait_for_strokes(operator, on_alice, 0)
    wait_for_strokes(widget, on_ada, 0)
    assert not painted(widget, on_ada, 0.5, 0.5)

    pane.get_by_role("button", name="Leave").click()
    expect(chat.locator(".annotation-layer")).to_have_count(0)
    expect(pane.locator(".annotation-layer")).to_have_count(0)
