"""The dashboard's language: the operator's choice in Settings, else their browser's."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import OperatorFactory

pytestmark = pytest.mark.django_db


def test_an_operator_following_the_browser_gets_its_language(client_in):
    page = client_in.get(reverse("dashboard:settings"), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    html = page.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "<h1>Ajustes</h1>" in html
    assert page["Content-Language"] == "es"
    assert "Accept-Language" in page["Vary"]


def test_a_browser_asking_for_no_shipped_language_gets_english(client_in):
    html = client_in.get(reverse("dashboard:settings"), HTTP_ACCEPT_LANGUAGE="de-DE").content
    assert b'<html lang="en" dir="ltr">' in html
    assert b"<h1>Settings</h1>" in html


def test_the_choice_in_settings_wins_over_the_browser(client_in, operator):
    response = client_in.post(
        reverse("dashboard:settings"), {"language": "fr"}, HTTP_ACCEPT_LANGUAGE="es", follow=True
    )
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "Paramètres enregistrés." in html  # said in the new language
    assert '<option value="fr" selected lang="fr">Français</option>' in html
    operator.refresh_from_db()
    assert operator.language == "fr"


def test_going_back_to_following_the_browser(client_in, operator):
    operator.language = "fr"
    operator.save()
    client_in.post(reverse("dashboard:settings"), {"language": "browser"})
    html = client_in.get(reverse("dashboard:settings"), HTTP_ACCEPT_LANGUAGE="es").content
    assert b'<html lang="es"' in html


def test_a_language_not_offered_is_refused_with_the_form(client_in, operator):
    response = client_in.post(
        reverse("dashboard:settings"), {"language": "de", "notify_sound": "on"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert">Choose one of the languages in the list.</p>' in html
    assert '<select name="language" id="settings-language" aria-invalid="true"' in html
    operator.refresh_from_db()
    assert operator.language == "browser"


def test_the_sign_in_page_speaks_the_browser_language(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert '<html lang="fr"' in html
    assert "Se connecter" in html


def test_a_french_operators_page_leaves_the_next_work_of_the_thread_in_the_sites_language(
    client, settings
):
    # A server thread (and a test) goes on to other requests and jobs: none inherits French.
    operator = OperatorFactory(language="fr")
    client.force_login(operator)
    assert "Paramètres" in client.get("/dashboard/settings/").content.decode()
    assert translation.get_language() == settings.LANGUAGE_CODE
    client.get("/admin/")
    assert translation.get_language() == settings.LANGUAGE_CODE
