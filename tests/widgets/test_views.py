"""The public status API, the embed script, the iframe page and who may frame our pages."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets import selectors, services

pytestmark = pytest.mark.django_db

ALLOWED = "https://www.library.example"


@pytest.fixture
def alice():
    return OperatorFactory()


@pytest.fixture
def widget(alice):
    return WidgetFactory(
        first_operator=alice,
        first_department=None,
        allowed_origins=f"{ALLOWED}\nhttp://127.0.0.1:8001",
        title="Ask a Librarian",
        online_greeting="Hello from the Reference desk!",
        offline_message="We are closed; try again tomorrow at 9.",
    )


def directives(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy, directive by directive."""
    parts = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {part[0]: part[1:] for part in parts if part}


def status_url(widget_id):
    return reverse("widgets:status", args=[widget_id])


def test_status_answers_from_a_warm_cache_with_zero_queries(client, widget, alice,
                                                            django_assert_num_queries):  # fmt: skip
    assert client.get(status_url(widget.pk)).json() == {"online": False}  # miss: computed, stored
    with django_assert_num_queries(0):
        response = client.get(status_url(widget.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"online": False}

    signed_in(alice)
    services.widget_status_refresh(widget_ids=[widget.pk])
    with django_assert_num_queries(0):
        assert client.get(status_url(widget.pk)).json() == {"online": True}


def test_a_cache_miss_is_computed_once_and_stored(client, widget, django_assert_max_num_queries):
    assert cache.get(selectors.state_cache_key(widget.pk)) is None
    with django_assert_max_num_queries(6):  # the widget and its choices, hours and presence
        client.get(status_url(widget.pk))
    assert cache.get(selectors.state_cache_key(widget.pk)) == {
        "online": False,
        "origins": [ALLOWED, "http://127.0.0.1:8001"],
        "libchat_id": None,
    }


@pytest.mark.parametrize("origin", [ALLOWED, "https://branch.library.example", "null", None])
def test_any_page_may_read_the_status_without_credentials(client, widget, origin):
    """Public read-only data, polled from every page of a site and from local copies (`null`)."""
    headers = {"Origin": origin} if origin else {}
    response = client.get(status_url(widget.pk), headers=headers)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    missing = client.get(status_url(widget.pk + 1000), headers=headers)
    assert missing.status_code == 404
    assert missing["Access-Control-Allow-Origin"] == "*"  # the page can read why


def test_jsonp_wraps_the_answer_in_the_callback(client, widget, django_assert_num_queries):
    client.get(status_url(widget.pk))
    with django_assert_num_queries(0):
        response = client.get(status_url(widget.pk), {"callback": "library.showChat_2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response.content.decode() == '/**/library.showChat_2({"online": false});'


@pytest.mark.parametrize(
    "callback",
    ["alert(1)//", "</script><script>alert(1)</script>", "a b", "1abc", "", "a..b", "x" * 65,
     "cb;alert(document.cookie)", "caf\u00e9"],
)  # fmt: skip
def test_jsonp_callback_that_is_not_an_identifier_is_refused(client, widget, callback):
    response = client.get(status_url(widget.pk), {"callback": callback})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"] == "bad_callback"
    assert "alert" not in response.content.decode()


def test_unknown_or_inactive_widget_is_a_404_json(client, widget, django_assert_num_queries):
    response = client.get(status_url(widget.pk + 1000))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "No such widget."}
    with django_assert_num_queries(0):  # the miss is remembered too
        assert client.get(status_url(widget.pk + 1000)).status_code == 404

    inactive = WidgetFactory(active=False)
    assert client.get(status_url(inactive.pk)).status_code == 404
    assert client.get(reverse("widgets:embed", args=[inactive.pk])).status_code == 404
    assert client.get(reverse("widgets:frame", args=[inactive.pk])).status_code == 404


def test_embed_script_is_versioned_and_cached_for_a_year(client, widget):
    stable = client.get(reverse("widgets:embed", args=[widget.pk]))
    assert stable.status_code == 302
    assert "max-age=300" in stable["Cache-Control"]
    versioned_url = stable["Location"]
    assert re.fullmatch(rf"/widget/{widget.pk}/embed\.js\?v=[0-9a-f]{{16}}", versioned_url)

    script = client.get(versioned_url)
    assert script.status_code == 200
    assert script["Content-Type"] == "text/javascript"
    assert "max-age=31536000" in script["Cache-Control"]
    assert "immutable" in script["Cache-Control"]
    assert script["ETag"] == f'"{versioned_url.rsplit("=", 1)[1]}"'
    body = script.content.decode()
    assert f'"frameUrl": "http://testserver/widget/{widget.pk}/"' in body
    assert f'"statusUrl": "http://testserver/api/1.0/chat/widgets/status/{widget.pk}"' in body
    assert '"kind": "floating"' in body

    widget.title = "Chat </script> now"
    widget.save()
    new_url = client.get(reverse("widgets:embed", args=[widget.pk]))["Location"]
    assert new_url != versioned_url  # a changed widget gets a new script URL
    assert client.get(versioned_url)["Location"] == new_url
    assert "</script>" not in client.get(new_url).content.decode()


def test_frame_page_offline_shows_the_offline_message(client, widget):
    response = client.get(reverse("widgets:frame", args=[widget.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<section id="when-online"\s+hidden', page)
    assert re.search(r'<section id="when-offline"\s+aria', page)
    assert "We are closed; try again tomorrow at 9." in page
    assert 'data-online="false"' in page


def test_frame_page_online_shows_the_greeting_and_default_pre_chat_questions(client, widget,
                                                                           alice):  # fmt: skip
    signed_in(alice)
    page = client.get(reverse("widgets:frame", args=[widget.pk])).content.decode()
    assert re.search(r'<section id="when-offline"\s+hidden', page)
    assert "Hello from the Reference desk!" in page
    # The default asks the question only; name and email are optional.
    assert "Your name (optional)" in page and "Your email (optional)" in page
    assert re.search(r'<textarea id="prechat-question" name="question" rows="4" required>', page)
    assert not re.search(r'<input id="prechat-(name|email)"[^>]* required', page)


def test_frame_page_leaves_out_questions_turned_off(client, alice):
    widget = WidgetFactory(ask_name="off", ask_email="required")
    page = client.get(reverse("widgets:frame", args=[widget.pk])).content.decode()
    assert 'id="prechat-name"' not in page
    assert re.search(r'<input id="prechat-email"[^>]* required>', page)


def test_only_the_allowed_origins_may_frame_the_widget_page(client, widget):
    response = client.get(reverse("widgets:frame", args=[widget.pk]))
    policy = directives(response)
    assert policy["frame-ancestors"] == [ALLOWED, "http://127.0.0.1:8001"]
    assert policy["script-src"] == ["'self'"]  # the rest of the site's policy holds there too
    assert "X-Frame-Options" not in response


def test_dashboard_pages_refuse_any_framing_and_run_only_our_scripts(client, alice):
    client.force_login(alice)
    for url in [reverse("dashboard:chats"), reverse("login"), reverse("admin:index")]:
        response = client.get(url, follow=True)
        policy = directives(response)
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["object-src"] == policy["base-uri"] == ["'none'"], url
        assert policy["connect-src"] == ["'self'", "ws://testserver"], url
        assert response["X-Frame-Options"] == "DENY", url


def test_the_widget_iframe_may_capture_the_patrons_screen(client, widget):
    """A patron shares their screen from inside the iframe: embed.js asks for display-capture
    and the frame page does not take it back."""
    script_url = client.get(reverse("widgets:embed", args=[widget.pk]))["Location"]
    assert 'allow: "display-capture"' in client.get(script_url).content.decode()
    frame = client.get(reverse("widgets:frame", args=[widget.pk]))
    assert frame["Permissions-Policy"] == "display-capture=(self)"


@pytest.mark.parametrize("path", ["/1.0/chat/widgets/status/{}", "/api/1.0/chat/widgets/status/{}"])
def test_a_preflight_from_any_page_is_answered_so_the_page_may_read_the_status(
    client, widget, path, django_assert_num_queries
):
    """A page whose script adds a header (jQuery's X-Requested-With) makes the browser ask
    first with OPTIONS; a 405 there would leave that page's widget dark."""
    with django_assert_num_queries(0):
        response = client.options(
            path.format(widget.pk),
            headers={
                "Origin": "https://www.library.example",
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "x-requested-with",
            },
        )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "x-requested-with" in response["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response
    assert client.post(path.format(widget.pk)).status_code == 405
