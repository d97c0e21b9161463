"""Where a chat came from (the library page, the patron id, the browser) and the console's
patron panel: the staff-only record fragment of a chat, with the patron's earlier chats and
tickets, for those who may read it, at a fixed number of queries."""

import pytest

from chats import services
from chats.models import ChatEvent, OfflineTicket, PatronChat
from tests.chats.people import desk, start
from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
PATRON = "0123456789abcdef0123456789abcdef"
PAGE = "https://www.library.example/catalogue/maps?q=atlas"


def start_over_http(client, widget, **fields):
    answers = {"question": "Do you have the 1850 atlas?", **fields}
    return client.post(
        f"/widget/{widget.pk}/chat/", answers, headers={"user-agent": CHROME_ON_WINDOWS}
    )


def test_a_chat_keeps_the_page_it_started_on_the_patron_id_and_the_browser(client):
    d = desk()
    response = start_over_http(client, d.widget, page=PAGE + "#results", patron=PATRON)
    assert response.status_code == 201
    chat = PatronChat.objects.get(pk=response.json()["chat_id"])
    assert chat.page_url == PAGE  # the fragment is the page's own business
    assert chat.patron_ref == PATRON
    assert chat.browser == "Chrome 120 on Windows 10"


@pytest.mark.parametrize(
    "page",
    [
        "javascript:alert(1)",
        "data:text/html,<b>x</b>",
        "https://",
        "https://www.library.example/" + "x" * 600,
        "https://www.library.example/a b",
    ],
)
def test_a_page_address_that_is_no_web_page_or_too_long_is_left_out_and_the_chat_starts(
    client, page
):
    d = desk()
    response = start_over_http(client, d.widget, page=page, patron="not-an-id")
    assert response.status_code == 201
    chat = PatronChat.objects.get(pk=response.json()["chat_id"])
    assert (chat.page_url, chat.patron_ref) == ("", "")


def test_a_long_query_is_cut_to_keep_the_page():
    d = desk()
    chat, _ = start(d.widget, page_url="https://www.library.example/maps?" + "q" * 600)
    assert chat.page_url == "https://www.library.example/maps"


def test_with_send_the_page_address_off_the_page_is_neither_asked_for_nor_stored(client):
    d = desk(send_page_url=False)
    script = client.get(f"/widget/{d.widget.pk}/embed.js", follow=True).content.decode()
    assert '"sendPage": false' in script
    response = start_over_http(client, d.widget, page=PAGE, patron=PATRON)
    chat = PatronChat.objects.get(pk=response.json()["chat_id"])
    assert chat.page_url == "" and chat.patron_ref == PATRON
    on = desk()
    script = client.get(f"/widget/{on.widget.pk}/embed.js", follow=True).content.decode()
    assert '"sendPage": true' in script


def earlier_chats(d, count: int, **answers) -> list[PatronChat]:
    """`count` ended chats of the patron, each claimed, answered and ended by operator 0."""
    chats = []
    for n in range(count):
        chat, _ = start(d.widget, question=f"Earlier question {n:02}", **answers)
        services.chat_claim(chat=chat, operator=d.operators[0])
        services.message_send(chat=chat, operator=d.operators[0], body="Yes.")
        chats.append(services.chat_end(chat=chat, operator=d.operators[0]))
    return chats


def test_the_record_shows_the_chat_its_history_and_the_patrons_earlier_chats_and_tickets(client):
    d = desk()
    alice, bob = d.operators
    by_email = earlier_chats(d, 1, email="ada@example.org")[0]
    by_browser = earlier_chats(d, 1, patron_ref=PATRON)[0]
    someone_else = earlier_chats(d, 1, email="bea@example.org")[0]
    services.ticket_create(widget=d.widget, email="ADA@example.org", question="Sunday hours?")
    services.ticket_create(widget=d.widget, email="bea@example.org", question="Parking?")
    chat, _ = start(
        d.widget,
        name="Ada",
        email="ada@example.org",
        page_url=PAGE,
        patron_ref=PATRON,
        user_agent=SAFARI_ON_IPHONE,
    )
    services.chat_claim(chat=chat, operator=alice)
    services.message_send(chat=chat, operator=alice, body="Hello Ada")
    services.chat_transfer(
        chat=PatronChat.objects.get(pk=chat.pk), operator=alice, to_operator=bob, note="Maps"
    )
    client.force_login(bob)
    response = client.get(f"/chats/{chat.pk}/record/")
    assert response.status_code == 200
    panel = response.content.decode()
    assert "<html" not in panel  # a fragment for the console's panel
    assert f'<a href="{PAGE}" target="_blank" rel="noopener noreferrer">' in panel
    assert '<dd class="browser">Mobile Safari 17 on iOS 17, iPhone</dd>' in panel
    assert f'<dd class="operators">{alice.name}, {bob.name}</dd>' in panel
    assert f"{alice.name} transferred it to {bob.name}." in panel and "Note: Maps" in panel
    assert '<dd class="answered" data-answered="true">Answered</dd>' in panel
    assert f'href="/dashboard/transcripts/{by_email.pk}/"' in panel
    assert f'href="/dashboard/transcripts/{by_browser.pk}/"' in panel
    assert f"/dashboard/transcripts/{someone_else.pk}/" not in panel
    assert f'/dashboard/transcripts/{chat.pk}/"' not in panel  # not its own earlier chat
    assert "Sunday hours?" in panel and "Parking?" not in panel
    ticket = OfflineTicket.objects.get(question="Sunday hours?")
    link = f"/dashboard/tickets/?q=ADA%40example.org&amp;status=all#ticket-{ticket.pk}"
    assert link in panel
    opened = client.get(link.replace("&amp;", "&").split("#")[0]).content.decode()
    assert f'<tr id="ticket-{ticket.pk}">' in opened
    # Newest first.
    assert panel.index(f"transcripts/{by_browser.pk}/") < panel.index(f"transcripts/{by_email.pk}")


def test_a_waiting_chat_shows_its_wait_so_far_and_nobody_yet(client):
    d = desk()
    chat, _ = start(d.widget)
    client.force_login(d.operators[0])
    panel = client.get(f"/chats/{chat.pk}/record/").content.decode()
    assert '<dd class="answered" data-answered="false">Not answered</dd>' in panel
    assert '<dd class="wait">0 s</dd>' in panel and '<dd class="handling">—</dd>' in panel
    assert "Nobody has claimed it yet." in panel and '<dd class="page">Not sent</dd>' in panel


def test_the_record_is_for_the_holder_the_widgets_operators_and_admins_only(client, admin_client):
    d = desk()
    chat, _ = start(d.widget, email="ada@example.org")
    url = f"/chats/{chat.pk}/record/"
    services.chat_claim(chat=chat, operator=d.operators[0])
    for reader in d.operators:
        client.force_login(reader)
        assert client.get(url).status_code == 200
    assert admin_client.get(url).status_code == 200
    # An operator of another desk: the same answer as for a chat that does not exist.
    client.force_login(d.outsider)
    refused = client.get(url)
    assert refused.status_code == 404 and "ada@example.org" not in refused.content.decode()
    assert client.get(f"/chats/{chat.pk + 1000}/record/").status_code == 404
    client.force_login(OperatorFactory(is_operator=False))
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302
    assert client.post(url).status_code in {302, 405}


def test_the_record_costs_the_same_queries_with_one_and_with_twenty_earlier_chats(
    client, django_assert_num_queries
):
    d = desk()
    client.force_login(d.operators[0])

    def record_of_a_new_chat(earlier: int) -> str:
        earlier_chats(d, earlier, email="ada@example.org", patron_ref=PATRON)
        for n in range(earlier):
            services.ticket_create(widget=d.widget, email="ada@example.org", question=f"Q {n}")
        chat, _ = start(d.widget, email="ada@example.org", patron_ref=PATRON)
        services.chat_claim(chat=chat, operator=d.operators[0])
        # The session and the operator, the widgets they answer, the chat, who took part, the
        # history, the earlier chats, the tickets.
        with django_assert_num_queries(8):
            return client.get(f"/chats/{chat.pk}/record/").content.decode()

    assert record_of_a_new_chat(1).count("Earlier question") == 1
    panel = record_of_a_new_chat(19)  # 20 earlier chats now, and 20 tickets
    assert panel.count("Earlier question") == 10 and panel.count("Q ") == 10  # the newest ten
    assert "Earlier question 18" in panel and "Earlier question 08" not in panel


def test_the_transcripts_list_costs_the_same_queries_with_one_and_with_twenty_chats(
    client, django_assert_num_queries
):
    d = desk()
    earlier_chats(d, 1)
    client.force_login(d.operators[1])
    # The session and the operator, the widgets they answer, the count, the page, who took part
    # in each chat, their tags; the header's LibChat session, whether it is reachable and the
    # open tickets (the widgets again, the count); the operator's and their groups' permissions
    # (the Reports tab); what the filters offer (the widgets they answer again, departments,
    # operators, tags).
    with django_assert_num_queries(18):
        listing = client.get("/dashboard/transcripts/").content.decode()
    assert listing.count("<td>Answered</td>") == 1
    earlier_chats(d, 19)
    with django_assert_num_queries(18):
        listing = client.get("/dashboard/transcripts/").content.decode()
    assert listing.count(f"<td>{d.operators[0].name}</td>") == 20


def test_the_admin_shows_a_chats_history_inline_read_only(admin_client):
    d = desk()
    chat = earlier_chats(d, 1)[0]
    page = admin_client.get(f"/admin/chats/patronchat/{chat.pk}/change/").content.decode()
    assert "History: who held the chat" in page and "Operators who took part" in page
    assert "Ended by the operator" not in page  # labels read as the choices say
    assert "ended by the operator" in page and "Claimed" in page
    assert 'name="events-0-note"' not in page  # read-only: no inputs
    assert ChatEvent.objects.filter(chat=chat).count() == 2
