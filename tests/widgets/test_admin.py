"""Setting up a widget in the Django admin: who monitors it, clear errors, snippet and status."""

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, OperatorFactory, WidgetFactory
from tests.widgets.people import signed_in
from widgets.models import Widget

pytestmark = pytest.mark.django_db


@pytest.fixture
def departments():
    return DepartmentFactory(name="Reference"), DepartmentFactory(name="Circulation")


def form_data(first_department=None, first_operator=None, fallbacks=(), **overrides):
    data = {
        "name": "Main site",
        "kind": "floating",
        "active": "on",
        "first_department": first_department.pk if first_department else "",
        "first_operator": first_operator.pk if first_operator else "",
        "title": "Ask a Librarian",
        "online_greeting": "Hi!",
        "offline_message": "Closed.",
        "colour": "#1f5fa8",
        "text_colour": "#ffffff",
        "language": "en",
        "allowed_origins": "https://www.library.example",
        "ask_name": "optional",
        "ask_email": "optional",
        "ask_question": "required",
        "offline_behaviour": "message",
        "time_zone": "UTC",
        "away_message": "",
        "away_behaviour": "offline",
        "invite_after_seconds": "0",
        "invite_message": "",
        "fallbacks-TOTAL_FORMS": str(len(fallbacks)),
        "fallbacks-INITIAL_FORMS": "0",
        "fallbacks-MIN_NUM_FORMS": "0",
        "fallbacks-MAX_NUM_FORMS": "1000",
        "opening_spans-TOTAL_FORMS": "0",
        "opening_spans-INITIAL_FORMS": "0",
        "closed_dates-TOTAL_FORMS": "0",
        "closed_dates-INITIAL_FORMS": "0",
        "texts-TOTAL_FORMS": "0",
        "texts-INITIAL_FORMS": "0",
    }
    for index, (position, monitor) in enumerate(fallbacks):
        is_department = monitor.__class__.__name__ == "Department"
        data[f"fallbacks-{index}-position"] = str(position)
        data[f"fallbacks-{index}-department"] = monitor.pk if is_department else ""
        data[f"fallbacks-{index}-operator"] = "" if is_department else monitor.pk
    return {**data, **overrides}


def test_admin_creates_a_widget_with_fallbacks_in_order(admin_client, departments):
    reference, circulation = departments
    bob = OperatorFactory()
    response = admin_client.post(
        reverse("admin:widgets_widget_add"),
        form_data(first_department=reference, fallbacks=[(2, bob), (1, circulation)]),
    )
    assert response.status_code == 302, response.content.decode()
    widget = Widget.objects.get()
    assert [(f.department, f.operator) for f in widget.fallbacks.all()] == [
        (circulation, None),
        (None, bob),
    ]


@pytest.mark.parametrize(
    "case, message",
    [
        ("fallback is the first choice", "Fallback 1 is the first choice already."),
        ("fallback repeats", "Fallback 2 repeats an earlier fallback."),
        ("no first choice", "Choose who monitors the widget first"),
        ("two first choices", "not both"),
        ("fallback with both", "A fallback is an operator or a department: choose exactly one."),
        ("bad origin", "is not a valid origin"),
        ("pale text", "contrast 1.1:1, at least 4.5:1 is needed"),
    ],
)
def test_admin_shows_a_clear_error_and_saves_nothing(admin_client, departments, case, message):
    reference, circulation = departments
    alice = OperatorFactory()
    data = {
        "fallback is the first choice": lambda: form_data(
            first_department=reference, fallbacks=[(1, reference)]
        ),
        "fallback repeats": lambda: form_data(
            first_department=reference, fallbacks=[(1, circulation), (2, circulation)]
        ),
        "no first choice": lambda: form_data(),
        "two first choices": lambda: form_data(first_department=reference, first_operator=alice),
        "fallback with both": lambda: {
            **form_data(first_department=reference, fallbacks=[(1, circulation)]),
            "fallbacks-0-operator": alice.pk,
        },
        "bad origin": lambda: form_data(
            first_department=reference, allowed_origins="https://ok.example\nnot an origin"
        ),
        "pale text": lambda: form_data(
            first_department=reference, colour="#ffff00", text_colour="#ffffff"
        ),
    }[case]()
    response = admin_client.post(reverse("admin:widgets_widget_add"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert page.count('class="errorlist') == 1  # the friendly error alone, not Django's too
    assert "Constraint" not in page
    assert not Widget.objects.exists()


def test_admin_change_page_shows_the_snippet_and_the_current_status(admin_client, departments):
    reference, circulation = departments
    widget = WidgetFactory(first_department=reference)
    url = reverse("admin:widgets_widget_change", args=[widget.pk])
    page = admin_client.get(url).content.decode()
    assert (
        f"&lt;script src=&quot;http://testserver/widget/{widget.pk}/embed.js&quot; async&gt;"
        in page
    )
    assert '<span id="widget-current-status">Offline</span>' in page

    carol = OperatorFactory(display_name="Carol")
    widget.fallbacks.create(position=1, operator=carol)
    signed_in(carol)
    page = admin_client.get(url).content.decode()
    assert '<span id="widget-current-status">Online</span>' in page
    assert "monitored now by the fallback 1: Carol" in page

    changelist = admin_client.get(reverse("admin:widgets_widget_changelist")).content.decode()
    assert "Online" in changelist


LIBCHAT_HASH = "3f1c9a0b7d2e4f6a8b9c0d1e2f3a4b5c"


@pytest.mark.parametrize(
    "libchat_id, libchat_hash, message",
    [
        ("0", "", "A LibChat widget id is a positive whole number, like 9616."),
        ("-5", "", "A LibChat widget id is a positive whole number, like 9616."),
        ("96x16", "", "Enter a whole number."),
        ("9616", "", "Another widget has this LibChat widget id already."),
        ("taken pk", "", "This is the LibChat-here id of another widget"),
        ("", "not-a-hash", "A LibChat hash is 32 hexadecimal characters"),
        ("", "3f1c9a0b7d2e4f6a8b9c0d1e2f3a4b5", "A LibChat hash is 32 hexadecimal characters"),
        ("", "3f1c9a0b7d2e4f6a8b9c0d1e2f3a4b5g", "A LibChat hash is 32 hexadecimal characters"),
        ("", LIBCHAT_HASH.upper(), "Another widget has this LibChat hash already."),
        ("", "taken hash", "This is the LibChat-here hash of another widget"),
    ],
)
def test_admin_refuses_bad_libchat_values_and_changes_nothing(admin_client, departments,
                                                              libchat_id, libchat_hash,
                                                              message):  # fmt: skip
    reference, _ = departments
    taken = WidgetFactory(name="Branch", libchat_id=9616, libchat_hash=LIBCHAT_HASH)
    widget = WidgetFactory(name="Main site", first_department=reference)
    libchat_id = {"taken pk": str(taken.pk)}.get(libchat_id, libchat_id)
    libchat_hash = {"taken hash": taken.hash}.get(libchat_hash, libchat_hash)
    response = admin_client.post(
        reverse("admin:widgets_widget_change", args=[widget.pk]),
        form_data(first_department=reference, libchat_id=libchat_id, libchat_hash=libchat_hash),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert page.count('class="errorlist') == 1
    assert "Constraint" not in page
    widget.refresh_from_db()
    assert (widget.libchat_id, widget.libchat_hash, widget.title) == (
        None,
        None,
        "Chat with a librarian",
    )


def test_admin_sets_the_libchat_values_and_shows_both_snippets(admin_client, departments):
    reference, _ = departments
    widget = WidgetFactory(first_department=reference, kind="slide_out")
    url = reverse("admin:widgets_widget_change", args=[widget.pk])
    page = admin_client.get(url).content.decode()
    assert f"&lt;div id=&quot;libchat_{widget.hash}&quot;&gt;&lt;/div&gt;" in page
    assert f"load_chat.php?hash={widget.hash}" in page
    assert f"lcs_slide_out_button-{widget.pk}" in page

    response = admin_client.post(
        url,
        form_data(first_department=reference, libchat_id="9616", libchat_hash=LIBCHAT_HASH.upper()),
    )
    assert response.status_code == 302, response.content.decode()
    widget.refresh_from_db()
    assert (widget.libchat_id, widget.libchat_hash) == (9616, LIBCHAT_HASH)  # kept lowercase

    page = admin_client.get(url).content.decode()
    # LibChat-here's own snippet and the LibChat-compatible one, each with a Copy button.
    assert f"http://testserver/widget/{widget.pk}/embed.js" in page
    assert f"&lt;div id=&quot;libchat_{LIBCHAT_HASH}&quot;&gt;&lt;/div&gt;" in page
    assert f"http://testserver/load_chat.php?hash={LIBCHAT_HASH}" in page
    assert '<button type="button" class="button" data-copy="embed-snippet">Copy</button>' in page
    assert '<button type="button" class="button" data-copy="libchat-snippet">Copy</button>' in page
    assert "http://testserver/1.0/chat/widgets/status/9616" in page
    assert "lcs_slide_out_button-9616" in page
    assert widget.hash in page  # shown, read-only

    # Clearing them again is allowed: blank is no LibChat value, not an empty one.
    admin_client.post(url, form_data(first_department=reference, libchat_id="", libchat_hash=""))
    widget.refresh_from_db()
    assert (widget.libchat_id, widget.libchat_hash) == (None, None)


def test_admin_action_regenerates_the_hash(admin_client, departments):
    reference, _ = departments
    widget = WidgetFactory(first_department=reference)
    old = widget.hash
    response = admin_client.post(
        reverse("admin:widgets_widget_changelist"),
        {"action": "hash_regenerate", "_selected_action": [widget.pk]},
        follow=True,
    )
    assert "New hash for 1 widget(s)" in response.content.decode()
    widget.refresh_from_db()
    assert widget.hash != old
    assert len(widget.hash) == 32


@pytest.mark.parametrize(
    "colour, text_colour, expected",
    [("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#767676", "#ffffff", 4.5)],
)
def test_contrast_is_the_wcag_ratio_either_way_round(colour, text_colour, expected):
    from widgets.models import contrast_ratio

    assert round(contrast_ratio(colour, text_colour), 1) == expected
    assert contrast_ratio(text_colour, colour) == contrast_ratio(colour, text_colour)


def test_the_admin_lists_the_hours_online_record_and_never_edits_it(admin_client):
    from django.utils import timezone

    from widgets.models import WidgetOnlineInterval

    widget = WidgetFactory(name="Ask a Librarian")
    interval = WidgetOnlineInterval.objects.create(widget=widget, started_at=timezone.now())
    listing = admin_client.get(reverse("admin:widgets_widgetonlineinterval_changelist"))
    assert listing.status_code == 200
    change = reverse("admin:widgets_widgetonlineinterval_change", args=[interval.pk])
    assert f'<a href="{change}">Ask a Librarian</a>' in listing.content.decode()  # a row, shown
    assert admin_client.get(reverse("admin:widgets_widgetonlineinterval_add")).status_code == 403
    delete = reverse("admin:widgets_widgetonlineinterval_delete", args=[interval.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert WidgetOnlineInterval.objects.filter(pk=interval.pk).exists()


def _texts(*languages):
    data = {"texts-TOTAL_FORMS": str(len(languages))}
    for index, language in enumerate(languages):
        data[f"texts-{index}-language"] = language
        data[f"texts-{index}-title"] = "Pregunte a un bibliotecario"
        data[f"texts-{index}-online_greeting"] = "¡Hola!"
    return data


def test_admin_gives_a_widget_its_texts_in_another_language_once(admin_client, departments):
    reference, _ = departments
    add = reverse("admin:widgets_widget_add")
    response = admin_client.post(add, form_data(first_department=reference, **_texts("es", "es")))
    assert response.status_code == 200
    assert "Please correct the duplicate data for language" in response.content.decode()
    assert not Widget.objects.exists()

    response = admin_client.post(add, form_data(first_department=reference, **_texts("es")))
    assert response.status_code == 302, response.content.decode()
    texts = Widget.objects.get().texts.get()
    assert (texts.language, texts.title, texts.offline_message) == (
        "es",
        "Pregunte a un bibliotecario",
        "",  # left blank: the widget's own offline message is shown
    )
