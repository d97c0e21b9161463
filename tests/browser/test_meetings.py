"""Screenshare and meetings in Chromium with fake media devices, against a real daphne."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.pages import outside_the_loop
from tests.factories import MembershipFactory, OperatorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ALL_CONNECTED = """(count) => {
  const peers = [...window.__meeting.peers.values()];
  return peers.length === count && peers.every((p) => p.pc.connectionState === "connected");
}"""
RECEIVES = """([kind, count]) => {
  const peers = [...window.__meeting.peers.values()];
  return peers.length === count && peers.every((p) => p.pc.getReceivers().some(
    (r) => r.track && r.track.kind === kind && r.track.readyState === "live" && !r.track.muted));
}"""


def test_one_to_one_screenshare_connects_with_audio_then_video(browser, log_in):
    alice = OperatorFactory(display_name="Alice")
    bob = OperatorFactory(display_name="Bob")
    bob_page = log_in(browser.new_context().new_page(), bob)
    alice_page = log_in(browser.new_context().new_page(), alice)

    alice_page.locator('.room-link[data-room-name="Bob"]').click()
    alice_page.get_by_role("button", name="Request Screenshare with Bob").click()
    expect(alice_page.get_by_role("heading", name=re.compile("Screenshare"))).to_be_visible()

    invitation = bob_page.get_by_role("dialog")
    expect(invitation).to_contain_text("Alice requests a screenshare.")
    invitation.get_by_role("link", name="Accept").click()

    for page in (alice_page, bob_page):
        page.wait_for_function(ALL_CONNECTED, arg=1, timeout=20000)
        page.wait_for_function(RECEIVES, arg=["audio", 1], timeout=20000)

    alice_page.get_by_role("button", name="Share screen").click()
    bob_page.wait_for_function(RECEIVES, arg=["video", 1], timeout=20000)
    expect(bob_page.get_by_label("Alice's screen")).to_be_visible()
    expect(bob_page.locator("#participants")).to_contain_text("sharing screen")

    alice_page.get_by_role("button", name="Stop sharing").click()
    expect(bob_page.get_by_label("Alice's screen")).to_have_count(0)
    alice_page.get_by_role("button", name="Leave").click()
    expect(bob_page.locator("#participants")).not_to_contain_text("Alice")
    bob_page.get_by_role("button", name="Leave").click()

    # The one-to-one room tells the story: the start and the end of the screenshare.
    alice_page.goto(alice_page.url.split("/meetings/")[0] + "/dashboard/")
    alice_page.locator('.room-link[data-room-name="Bob"]').click()
    messages = alice_page.locator("#chat-messages")
    expect(messages).to_contain_text("Started Screenshare: Alice and Bob.")
    expect(messages).to_contain_text(re.compile(r"Screenshare: Alice and Bob ended after \d+ s\."))


def _reference_pair():
    host = MembershipFactory(operator__display_name="Hana Host", department__name="Reference")
    other = MembershipFactory(department=host.department, operator__display_name="Omar Other")
    return host, other.operator


def test_guest_invited_by_email_joins_a_group_meeting_and_is_removed(
    browser, log_in, live_server_daphne
):
    host, other = outside_the_loop(_reference_pair)
    host_page = log_in(browser.new_context().new_page(), host.operator)
    other_page = log_in(browser.new_context().new_page(), other)

    host_page.locator('.room-link[data-room-name="Reference"]').click()
    host_page.get_by_role("button", name="Start meeting with Reference").click()
    other_page.get_by_role("dialog").get_by_role("link", name="Accept").click()
    host_page.wait_for_function(ALL_CONNECTED, arg=1, timeout=20000)

    host_page.get_by_label("Invite by email").fill("guest@example.org")
    host_page.get_by_role("button", name="Send invitation").click()
    expect(host_page.get_by_role("status").filter(has_text="Invitation sent")).to_be_visible()

    mail = "\n".join(p.read_text() for p in Path(live_server_daphne.mail_dir).glob("*.log"))
    assert "To: guest@example.org" in mail
    link = re.search(r"Join: (\S+)", mail).group(1)

    guest_page = browser.new_context().new_page()
    guest_page.goto(link)
    guest_page.get_by_label("Your name").fill("Pat Guest")
    guest_page.get_by_role("button", name="Join meeting").click()
    for page in (host_page, other_page, guest_page):
        page.wait_for_function(ALL_CONNECTED, arg=2, timeout=20000)
    guest_page.wait_for_function(RECEIVES, arg=["audio", 2], timeout=20000)

    host_page.get_by_role("button", name="Remove Pat Guest").click()
    expect(guest_page.get_by_role("status")).to_have_text("The host removed you from the meeting.")
    expect(guest_page.get_by_text("You can close this page.")).to_be_visible()
    expect(host_page.locator("#participants")).not_to_contain_text("Pat Guest")
    guest_page.goto(link)
    expect(guest_page.get_by_role("alert")).to_have_text("The host removed you from this meeting.")
    expect(guest_page.get_by_text("You can close this page.")).to_be_visible()
    # A guest has no account: nothing of theirs leads to a dashboard.
    expect(guest_page.get_by_role("link", name="Back to the dashboard")).to_have_count(0)

    expect(host_page.get_by_role("link", name="Back to the dashboard")).to_be_hidden()
    host_page.get_by_role("button", name="Leave").click()
    expect(host_page.get_by_role("status").first).to_have_text("You left the meeting.")
    expect(host_page.get_by_role("button", name="Send invitation")).to_be_hidden()
    host_page.get_by_role("link", name="Back to the dashboard").click()
    expect(host_page).to_have_url(re.compile(r"/dashboard/"))
