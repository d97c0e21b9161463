"""Typed web addresses become links, for patrons and staff alike (libchat.core.richtext)."""

import pytest

from libchat.core.messages import message_check
from libchat.core.richtext import links_add, text_as_html

LINK = '<a href="{0}" target="_blank" rel="noopener noreferrer nofollow">{0}</a>'


@pytest.mark.parametrize(
    "typed, stored",
    [
        (
            "See https://a.example/x?y=1&z=2.",
            "See " + LINK.format("https://a.example/x?y=1&amp;z=2") + ".",
        ),
        ("(http://a.example/b)", "(" + LINK.format("http://a.example/b") + ")"),
        ("https://a.example<b>", LINK.format("https://a.example") + "&lt;b&gt;"),
        ('"https://a.example" ok', '"' + LINK.format("https://a.example") + '" ok'),
        ("javascript:alert(1) ftp://a.example mailto:x@a.example", None),
        ("no address here", None),
    ],
)
def test_a_patrons_typed_address_becomes_a_link_and_nothing_else_does(typed, stored):
    checked = message_check(body=typed, client_msg_id="", markup=False)
    assert checked.body == (stored or text_as_html(typed))


def test_a_staff_address_becomes_a_link_but_an_existing_link_or_attribute_stays_as_it_was():
    body = (
        '<b>https://a.example</b> <a href="https://b.example">https://b.example</a> '
        '<a href="https://c.example">the catalogue</a>'
    )
    checked = message_check(body=body, client_msg_id="", markup=True)
    assert checked.body == (
        f"<b>{LINK.format('https://a.example')}</b> {LINK.format('https://b.example')} "
        '<a href="https://c.example" target="_blank" rel="noopener noreferrer nofollow">'
        "the catalogue</a>"
    )


def test_the_limit_counts_what_was_typed_not_the_link_made_of_it():
    typed = "https://a.example/" + "x" * 3982  # 4,000 characters
    assert message_check(body=typed, client_msg_id="", markup=False).body.startswith("<a ")


def test_links_add_leaves_html_without_addresses_alone():
    assert links_add("<b>hi</b><br>there") == "<b>hi</b><br>there"
