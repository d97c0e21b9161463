"""Pages written for Springshare's LibChat keep working once only their host name changes: the
status API at LibChat's path and by LibChat's widget id, `load_chat.php?hash=` and
`chati.php?hash=`, by the LibChat values an admin set or by our own."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets import selectors, services
from widgets.models import Widget

pytestmark = pytest.mark.django_db

ALLOWED = "https://www.library.example"
LIBCHAT_HASH = "3f1c9a0b7d2e4f6a8b9c0d1e2f3a4b5c"


@pytest.fixture
def alice():
    return OperatorFactory()


@pytest.fixture
def widget(alice):
    return WidgetFactory(
        first_operator=alice,
        first_department=None,
        allowed_origins=ALLOWED,
        title="Ask a Librarian",
        kind="slide_out",
        libchat_id=9616,
        libchat_hash=LIBCHAT_HASH,
    )


def libchat_status(status_id):
    return f"/1.0/chat/widgets/status/{status_id}"


def api_status(status_id):
    return f"/api/1.0/chat/widgets/status/{status_id}"


def test_a_new_widget_gets_its_own_hash_of_32_lowercase_hex():
    first, second = WidgetFactory(), WidgetFactory()
    assert re.fullmatch(r"[0-9a-f]{32}", first.hash)
    assert first.hash != second.hash
    first.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{32}", first.hash)


@pytest.mark.parametrize("path", [libchat_status, api_status])
def test_both_status_paths_answer_by_libchat_id_and_by_ours(client, widget, alice, path,
                                                            django_assert_num_queries):  # fmt: skip
    assert client.get(path(9616)).json() == {"online": False}
    assert client.get(path(widget.pk)).json() == {"online": False}
    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    with django_assert_num_queries(0):  # a flip reaches both ids through the cache alone
        assert client.get(path(9616)).json() == {"online": True}
        assert client.get(path(widget.pk)).json() == {"online": True}
        response = client.get(path(9616), {"callback": "jQuery3710_1"}, headers={"Origin": ALLOWED})
    assert response["Content-Type"] == "text/javascript"
    assert response.content.decode() == '/**/jQuery3710_1({"online": true});'
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_cold_libchat_id_is_computed_once_and_stored(client, widget,
                                                       django_assert_max_num_queries,
                                                       django_assert_num_queries):  # fmt: skip
    with django_assert_max_num_queries(6):  # the widget and its choices, hours and presence
        assert client.get(libchat_status(9616)).json() == {"online": False}
    assert cache.get(selectors.libchat_alias_cache_key(9616)) == {"widget": widget.pk}
    with django_assert_num_queries(0):
        assert client.get(libchat_status(9616)).json() == {"online": False}


@pytest.mark.parametrize("path", [libchat_status, api_status])
def test_unknown_ids_stay_404_on_both_paths(client, widget, path, django_assert_num_queries):
    for status_id in [9617, widget.pk + 1000, 10**17]:
        response = client.get(path(status_id))
        assert response.status_code == 404, status_id
        assert response.json() == {"error": "not_found", "message": "No such widget."}
    with django_assert_num_queries(0):  # remembered
        assert client.get(path(9617)).status_code == 404
    assert client.get(path(9616), {"callback": "alert(1)//"}).status_code == 400


def test_a_libchat_id_given_up_or_taken_over_answers_for_the_right_widget_at_once(client, widget):
    assert client.get(libchat_status(9616)).json() == {"online": False}  # alias now cached
    other = WidgetFactory(libchat_id=1234)
    assert client.get(libchat_status(1234)).status_code == 200

    widget.libchat_id = 4321
    widget.save()
    # The receivers refresh after commit; the test's transaction never commits, so do it here.
    services.widget_status_refresh(widget_ids=[widget.pk])
    assert client.get(libchat_status(9616)).status_code == 404
    assert client.get(libchat_status(4321)).json() == {"online": False}

    other.active = False
    other.save()
    services.widget_status_refresh(widget_ids=[other.pk])
    assert client.get(libchat_status(1234)).status_code == 404


def test_a_libchat_id_wins_over_our_id_when_both_name_a_widget(client, widget):
    """Pages written for LibChat are the ones that cannot be changed."""
    newer = WidgetFactory(allowed_origins="https://branch.library.example")
    Widget.objects.filter(pk=widget.pk).update(libchat_id=newer.pk)  # as if created later
    signed_in(widget.first_operator)
    services.widget_status_refresh(widget_ids=[widget.pk, newer.pk])
    assert client.get(libchat_status(newer.pk)).json() == {"online": True}


def embed_url(client, path):
    response = client.get(path)
    assert response.status_code == 302, path
    assert "max-age=300" in response["Cache-Control"]
    return response["Location"]


@pytest.mark.parametrize("use", ["libchat hash", "our hash", "our hash in capitals"])
def test_load_chat_serves_the_same_script_as_embed_js(client, widget, use):
    widget_hash = {
        "libchat hash": LIBCHAT_HASH,
        "our hash": widget.hash,
        "our hash in capitals": widget.hash.upper(),
    }[use]
    versioned = embed_url(client, reverse("widgets:embed", args=[widget.pk]))
    assert embed_url(client, f"/load_chat.php?hash={widget_hash}") == versioned

    script = client.get(versioned)
    assert "max-age=31536000" in script["Cache-Control"]
    body = script.content.decode()
    assert (
        f'"containerIds": ["libchat-widget-{widget.pk}", "libchat_{LIBCHAT_HASH}", '
        f'"libchat_{widget.hash}"]'
    ) in body
    assert '"buttonId": "lcs_slide_out_button-9616"' in body
    assert '"statusUrl": "http://testserver/api/1.0/chat/widgets/status/9616"' in body


def test_without_libchat_values_the_script_uses_our_id_and_hash(client, alice):
    widget = WidgetFactory(first_operator=alice, first_department=None)
    body = client.get(embed_url(client, f"/load_chat.php?hash={widget.hash}")).content.decode()
    assert f'"containerIds": ["libchat-widget-{widget.pk}", "libchat_{widget.hash}"]' in body
    assert f'"buttonId": "lcs_slide_out_button-{widget.pk}"' in body
    assert f'"statusUrl": "http://testserver/api/1.0/chat/widgets/status/{widget.pk}"' in body


BAD_HASHES = ["", "nothex" * 5 + "zz", "0" * 31, "0" * 33, "0" * 32, LIBCHAT_HASH + "'", "%00"]


@pytest.mark.parametrize("bad", BAD_HASHES)
def test_a_bad_or_unknown_hash_is_a_404(client, widget, bad):
    load = client.get("/load_chat.php", {"hash": bad})
    assert load.status_code == 404
    assert load.json()["error"] == "not_found"
    assert client.get("/chati.php", {"hash": bad}).status_code == 404
    assert client.get("/load_chat.php").status_code == 404
    assert client.get("/chati.php").status_code == 404


def test_an_inactive_widget_is_a_404_by_hash_too(client, widget):
    widget.active = False
    widget.save()
    assert client.get("/load_chat.php", {"hash": LIBCHAT_HASH}).status_code == 404
    assert client.get("/chati.php", {"hash": widget.hash}).status_code == 404


@pytest.mark.parametrize("use", ["libchat hash", "our hash"])
def test_chati_serves_the_pop_out_chat_page(client, widget, use):
    widget_hash = LIBCHAT_HASH if use == "libchat hash" else widget.hash
    response = client.get("/chati.php", {"hash": widget_hash})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Ask a Librarian</h1>" in page
    assert f'data-widget-id="{widget.pk}"' in page
    # Framing stays the widget's allowed origins' privilege, whichever URL serves the page.
    assert f"frame-ancestors {ALLOWED};" in response["Content-Security-Policy"] + ";"


def test_a_regenerated_hash_retires_the_old_one(client, widget):
    old = widget.hash
    services.widget_hash_regenerate(widget=widget)
    widget.refresh_from_db()
    assert widget.hash != old and re.fullmatch(r"[0-9a-f]{32}", widget.hash)
    assert client.get("/load_chat.php", {"hash": old}).status_code == 404
    assert client.get("/chati.php", {"hash": old}).status_code == 404
    assert client.get("/chati.php", {"hash": widget.hash}).status_code == 200
    assert client.get("/chati.php", {"hash": LIBCHAT_HASH}).status_code == 200


def test_the_libchat_snippet_uses_the_libchat_hash_when_set(widget, alice):
    assert selectors.widget_libchat_snippet(widget=widget, base_url="https://chat.example/") == (
        "<!-- LibChat widget: " + widget.name + " -->\n"
        f'<div id="libchat_{LIBCHAT_HASH}"></div>\n'
        f'<script src="https://chat.example/load_chat.php?hash={LIBCHAT_HASH}" async></script>'
    )
    own = WidgetFactory(first_operator=alice, first_department=None)
    assert f"load_chat.php?hash={own.hash}" in selectors.widget_libchat_snippet(
        widget=own, base_url="https://chat.example"
    )


def test_the_refresh_keeps_every_status_id_warm(client, widget, alice, django_assert_num_queries):
    """The beat refresh caches what each id answers, LibChat's and ours alike, so polling pages
    never reach the database."""
    plain = WidgetFactory(first_operator=alice, first_department=None)
    services.widget_status_refresh()
    with django_assert_num_queries(0):
        for status_id in [9616, widget.pk, plain.pk]:
            assert client.get(libchat_status(status_id)).json() == {"online": False}
