"""Canned replies: creating them, the refusals an operator or an admin reads, filling the
variables (missing values included) and who is offered which."""

from html.parser import HTMLParser

import pytest

from canned import selectors, services
from canned.models import CannedReply
from canned.selectors import FillValues
from libchat.core.messages import MESSAGE_MAX_CHARS
from libchat.core.models import SiteSettings
from tests.chats.people import desk, start
from tests.factories import DepartmentFactory, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def _titles(operator):
    offered = selectors.canned_replies_for(operator=operator, values=FillValues())
    return [reply["title"] for reply in offered]


def test_a_personal_reply_is_stored_cleaned_with_its_shortcut_normalised():
    alice = OperatorFactory()
    reply = services.canned_reply_create(
        owner=alice,
        title="  Opening   hours ",
        shortcut=" /Hours ",
        body='<b>9 to 5</b><script>alert(1)</script> <img src=x onerror="alert(2)">',
    )
    reply.refresh_from_db()
    assert (reply.owner, reply.department, reply.title, reply.shortcut) == (
        alice,
        None,
        "Opening hours",
        "hours",
    )
    assert reply.body == "<b>9 to 5</b>"
    assert reply.scope_label == "Personal"


def test_a_duplicate_shortcut_is_refused_within_its_scope_only():
    alice, bob = OperatorFactory(), OperatorFactory()
    reference, circulation = DepartmentFactory(name="Reference"), DepartmentFactory()
    services.canned_reply_create(owner=alice, title="Hours", shortcut="hours", body="9 to 5")
    with pytest.raises(services.CannedReplyRefused) as refused:
        services.canned_reply_create(owner=alice, title="Other", shortcut="HOURS", body="x")
    assert refused.value.code == "duplicate_shortcut"
    assert refused.value.message == "The shortcut /hours is already used among your canned replies."

    services.canned_reply_create(department=reference, title="H", shortcut="hours", body="x")
    with pytest.raises(services.CannedReplyRefused) as refused:
        services.canned_reply_create(department=reference, title="H2", shortcut="hours", body="y")
    assert refused.value.message == "The shortcut /hours is already used in Reference."

    services.canned_reply_create(title="H", shortcut="hours", body="x")
    with pytest.raises(services.CannedReplyRefused) as refused:
        services.canned_reply_create(title="H2", shortcut="hours", body="y")
    assert refused.value.message == (
        "The shortcut /hours is already used among the canned replies shared with everyone."
    )

    # Other scopes may use it: another operator, another department.
    services.canned_reply_create(owner=bob, title="Hours", shortcut="hours", body="x")
    services.canned_reply_create(department=circulation, title="H", shortcut="hours", body="x")
    assert CannedReply.objects.filter(shortcut="hours").count() == 5
    # Many replies may have no shortcut at all.
    services.canned_reply_create(owner=alice, title="A", body="a")
    services.canned_reply_create(owner=alice, title="B", body="b")


def test_an_update_may_keep_its_own_shortcut_but_not_take_anothers():
    alice = OperatorFactory()
    hours = services.canned_reply_create(owner=alice, title="H", shortcut="hours", body="x")
    renew = services.canned_reply_create(owner=alice, title="R", shortcut="renew", body="y")
    services.canned_reply_update(reply=hours, title="Hours", shortcut="hours", body="9 to 5")
    with pytest.raises(services.CannedReplyRefused, match="/hours is already used"):
        services.canned_reply_update(reply=renew, title="R", shortcut="hours", body="y")
    renew.refresh_from_db()
    assert renew.shortcut == "renew"


def test_a_body_over_the_message_limit_is_refused_and_one_at_it_is_kept():
    alice = OperatorFactory()
    with pytest.raises(services.CannedReplyRefused) as refused:
        services.canned_reply_create(owner=alice, title="Long", body="x" * (MESSAGE_MAX_CHARS + 1))
    assert refused.value.code == "too_long"
    assert refused.value.message == (
        "A canned reply can be 4,000 characters at most, as a message can; this one has 4,001."
    )
    # The markup counts, as the editor and the server count a message.
    with pytest.raises(services.CannedReplyRefused, match="this one has 4,007"):
        services.canned_reply_create(owner=alice, title="Long", body=f"<b>{'x' * 4000}</b>")
    services.canned_reply_create(owner=alice, title="Just", body="x" * MESSAGE_MAX_CHARS)
    assert CannedReply.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"title": " ", "body": "x"}, "no_title"),
        ({"title": "T", "body": "<b> </b>"}, "empty"),
        ({"title": "T", "body": "x", "shortcut": "two words"}, "bad_shortcut"),
        ({"title": "x" * 101, "body": "x"}, "title_too_long"),
    ],
)
def test_what_a_reply_must_hold(fields, code):
    with pytest.raises(services.CannedReplyRefused) as refused:
        services.canned_reply_create(owner=OperatorFactory(), **fields)
    assert refused.value.code == code
    assert CannedReply.objects.count() == 0


def test_a_reply_is_personal_or_shared_not_both():
    with pytest.raises(services.CannedReplyRefused, match="personal or shared"):
        services.canned_reply_create(
            owner=OperatorFactory(), department=DepartmentFactory(), title="T", body="x"
        )


def test_variables_are_filled_and_escaped():
    body = "Hi {patron_name}, {operator_name} at {library_name} ({widget_title}). {unknown}"
    values = FillValues(
        patron_name="Ada <b>", operator_name="Alice", widget_title="Ask Us", library_name="SPL"
    )
    assert selectors.canned_reply_fill(body=body, values=values) == (
        "Hi Ada &lt;b&gt;, Alice at SPL (Ask Us). {unknown}"
    )


def _links(html: str) -> list[dict]:
    """Each <a> of the HTML as a browser would read it: its attributes."""
    found = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag == "a":
                found.append(dict(attrs))

    Links().feed(html)
    return found


def test_a_patron_name_cannot_add_attributes_or_an_unsafe_address_to_a_link():
    body = (
        '<a href="https://lib.example/?q={patron_name}">Search</a> <a href="{patron_name}">me</a>'
    )
    hostile = 'x" style="position:fixed;inset:0" onfocus="alert(1)" autofocus="'
    filled = selectors.canned_reply_fill(body=body, values=FillValues(patron_name=hostile))
    links = _links(filled)
    assert [set(link) - {"target", "rel"} for link in links] == [{"href"}, {"href"}]
    assert links[0]["href"].startswith("https://lib.example/?q=x")  # the name stays in it
    scripted = FillValues(patron_name="javascript:alert(1)")
    filled = selectors.canned_reply_fill(body=body, values=scripted)
    assert all(not link.get("href", "").startswith("javascript:") for link in _links(filled))


def test_the_neutral_words_are_in_the_patrons_language():
    body = "Hola {patron_name}, soy {operator_name}."
    filled = selectors.canned_reply_fill(body=body, values=FillValues(language="es"))
    assert filled == "Hola usuario, soy su bibliotecario."


def test_a_missing_value_leaves_a_neutral_word_never_the_variable():
    body = "Hi {patron_name}, {operator_name} at {library_name} ({widget_title})."
    filled = selectors.canned_reply_fill(body=body, values=FillValues(patron_name="  "))
    assert filled == "Hi there, your librarian at the library (our chat)."
    assert "{" not in filled


def test_the_values_come_from_the_chat_the_operator_answers_and_the_site():
    d = desk(title="Ask a Librarian")
    chat, _ = start(d.widget, name="Ada")
    settings_row = SiteSettings.load()
    settings_row.library_name = "Springfield Public Library"
    settings_row.save()
    alice = d.operators[0]
    assert selectors.fill_values(operator=alice, chat_id=chat.pk) == FillValues(
        patron_name="Ada",
        operator_name=alice.name,
        widget_title="Ask a Librarian",
        library_name="Springfield Public Library",
        language="en",
    )
    # Internal chat: no patron, no widget.
    assert selectors.fill_values(operator=alice) == FillValues(
        operator_name=alice.name, library_name="Springfield Public Library"
    )
    # A chat the operator may not answer is not theirs to read.
    from chats.errors import ChatAccessDenied

    with pytest.raises(ChatAccessDenied):
        selectors.fill_values(operator=d.outsider, chat_id=chat.pk)


def test_who_is_offered_which_replies():
    reference, circulation = DepartmentFactory(name="Reference"), DepartmentFactory()
    closed = DepartmentFactory(active=False)
    alice, bob = OperatorFactory(), OperatorFactory()
    MembershipFactory(operator=alice, department=reference, monitoring=False)
    MembershipFactory(operator=alice, department=closed)
    MembershipFactory(operator=bob, department=circulation)
    services.canned_reply_create(owner=alice, title="Alice's own", body="a")
    services.canned_reply_create(owner=bob, title="Bob's own", body="b")
    services.canned_reply_create(department=reference, title="Reference desk", body="r")
    services.canned_reply_create(department=circulation, title="Circulation desk", body="c")
    services.canned_reply_create(department=closed, title="Closed desk", body="c")
    services.canned_reply_create(title="Everyone's", body="e")

    # Personal first, then the departments' (a member who does not monitor it too), then
    # everyone's; never another operator's, another department's or an inactive one's.
    assert _titles(alice) == ["Alice's own", "Reference desk", "Everyone's"]
    assert _titles(bob) == ["Bob's own", "Circulation desk", "Everyone's"]
    assert _titles(OperatorFactory()) == ["Everyone's"]
    offered = selectors.canned_replies_for(operator=alice, values=FillValues())
    assert [r["scope"] for r in offered] == ["Personal", "Reference", "Everyone"]


def test_a_save_racing_past_the_check_meets_the_constraint_and_the_same_refusal():
    services.canned_reply_create(title="Hello", shortcut="hi", body="h")
    racer = CannedReply(title="Again", shortcut="hi", body="a")  # as if checked before the first
    with pytest.raises(services.CannedReplyRefused, match="already used"):
        services._saved(racer)
    assert CannedReply.objects.count() == 1
