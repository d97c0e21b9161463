"""The dashboard pages and the sign-in, status and sign-out endpoints over HTTP."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from accounts import selectors, services
from accounts.models import LibChatSession
from tests.factories import PASSWORD, MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db


def browser_key(client):
    return selectors.browser_key_for(client.session.session_key)


def test_dashboard_needs_a_login(client):
    response = client.get(reverse("dashboard:chats"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_wrong_password_is_refused_with_a_message(client, operator):
    response = client.post(reverse("login"), {"username": operator.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_operator_cannot_log_in(client):
    operator = OperatorFactory(is_active=False)
    client.post(reverse("login"), {"username": operator.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_logging_in_is_not_signing_in_to_libchat(client_in, operator):
    page = client_in.get(reverse("dashboard:chats")).content.decode()
    assert "LibChat is Offline" in page
    assert "LibChat: You are offline:" in page
    assert selectors.active_session(operator=operator) is None


def test_sign_in_then_header_says_online(client_in, operator):
    response = client_in.post(reverse("libchat:sign_in"))
    assert response.status_code == 302
    page = client_in.get(reverse("dashboard:chats")).content.decode()
    assert "LibChat: You are online:" in strip_tags(page)
    assert 'data-status="online"' in page


def test_the_header_says_away_when_away(client_in, operator):
    client_in.post(reverse("libchat:sign_in"))
    client_in.post(reverse("libchat:status"), {"status": "away"})
    page = strip_tags(client_in.get(reverse("dashboard:chats")).content.decode())
    assert "LibChat: You are away:" in page
    assert "LibChat: You are online:" not in page


def test_sign_in_elsewhere_shows_the_offer_and_changes_nothing(client_in, operator):
    other = services.libchat_sign_in(operator=operator, browser_key="x" * 32)
    response = client_in.post(reverse("libchat:sign_in"))
    assert response.status_code == 409
    assert "You are signed in at another location" in response.content.decode()
    assert selectors.active_session(operator=operator) == other

    response = client_in.post(reverse("libchat:sign_in"), {"end_other": "1"})
    assert response.status_code == 302
    assert selectors.active_session(operator=operator).browser_key == browser_key(client_in)


def test_go_chat_from_the_signed_in_browser_goes_to_the_dashboard(client_in, operator):
    client_in.post(reverse("libchat:sign_in"))
    response = client_in.get(reverse("libchat:go_chat"))
    assert response.status_code == 302


def test_non_operator_account_is_refused(client):
    admin_only = OperatorFactory(is_operator=False, is_staff=True)
    client.force_login(admin_only)
    response = client.post(reverse("libchat:sign_in"))
    assert response.status_code == 403
    assert "not a LibChat operator" in response.content.decode()
    assert not LibChatSession.objects.exists()


def test_status_outside_the_four_is_a_400_and_changes_nothing(client_in, operator):
    client_in.post(reverse("libchat:sign_in"))
    response = client_in.post(reverse("libchat:status"), {"status": "invisible"})
    assert response.status_code == 400
    assert "Unknown status" in response.content.decode()
    assert selectors.active_session(operator=operator).status == "online"


def test_status_without_sign_in_is_a_409(client_in):
    response = client_in.post(reverse("libchat:status"), {"status": "away"})
    assert response.status_code == 409


def test_sign_out_asks_first_then_signs_out(client_in, operator):
    client_in.post(reverse("libchat:sign_in"))
    confirm = client_in.get(reverse("libchat:sign_out"))
    assert "Sign out of LibChat?" in confirm.content.decode()
    assert selectors.active_session(operator=operator) is not None
    client_in.post(reverse("libchat:sign_out"))
    assert selectors.active_session(operator=operator) is None


def test_post_without_csrf_is_refused(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = client.post(reverse("libchat:sign_in"))
    assert response.status_code == 403
    assert selectors.active_session(operator=operator) is None


def test_logging_out_of_the_site_signs_out_of_libchat(client_in, operator):
    client_in.post(reverse("libchat:sign_in"))
    client_in.post(reverse("logout"))
    session = LibChatSession.objects.get(operator=operator)
    assert session.end_reason == LibChatSession.EndReason.LOGGED_OUT


def test_settings_tab_saves_monitoring_and_preferences(client_in, operator):
    reference = MembershipFactory(operator=operator, department__name="Reference")
    circulation = MembershipFactory(operator=operator, department__name="Circulation")
    foreign = MembershipFactory(department__name="Elsewhere")
    page = client_in.get(reverse("dashboard:settings")).content.decode()
    assert "Reference" in page and "Circulation" in page and "Elsewhere" not in page

    client_in.post(
        reverse("dashboard:settings"),
        {"monitor": [str(reference.department_id), str(foreign.department_id)],
         "notify_sound": "on", "show_internal_tab": "on"},
    )  # fmt: skip
    reference.refresh_from_db()
    circulation.refresh_from_db()
    foreign.refresh_from_db()
    operator.refresh_from_db()
    assert reference.monitoring and not circulation.monitoring
    assert foreign.monitoring  # not the operator's to change
    assert (operator.notify_desktop, operator.notify_sound, operator.show_internal_tab) == (
        False, True, True,
    )  # fmt: skip


def test_settings_tab_refuses_a_bad_department_id(client_in, operator):
    membership = MembershipFactory(operator=operator)
    response = client_in.post(reverse("dashboard:settings"), {"monitor": ["1; DROP"]})
    assert response.status_code == 400
    membership.refresh_from_db()
    assert membership.monitoring


@pytest.mark.parametrize("departments", [1, 50])
def test_dashboard_costs_a_fixed_number_of_queries(
    client_in, operator, departments, django_assert_num_queries
):
    for _ in range(departments):
        MembershipFactory(operator=operator)
        OperatorFactory()
    services.libchat_sign_in(operator=operator, browser_key=browser_key(client_in))
    # session, user, my LibChat session, LibChat online, operator list, their presence, my
    # running meetings; internal chat: unread counts, monitored departments with members,
    # members' presence, my Mentions list; my permissions and my groups' (the Reports tab); the
    # tags a chat pane offers; the open tickets in the header (the widgets I answer, the count)
    with django_assert_num_queries(16):
        response = client_in.get(reverse("dashboard:chats"))
    assert response.status_code == 200
    # session, user, my memberships, my LibChat session, LibChat online, my permissions and my
    # groups' (the Reports tab); the open tickets in the header (the widgets I answer, the count)
    with django_assert_num_queries(9):
        response = client_in.get(reverse("dashboard:settings"))
    assert response.status_code == 200


def test_a_browser_without_the_session_says_so_and_cannot_change_the_status(operator):
    holder, other = Client(), Client()
    holder.force_login(operator)
    other.force_login(operator)
    holder.post(reverse("libchat:sign_in"))

    page = other.get(reverse("dashboard:chats")).content.decode()
    assert "LibChat: You are signed in at another location:" in page
    assert "Sign in here" in page
    assert 'id="me-online" hidden' in page
    assert 'id="status-form" hidden' in page
    assert 'data-status="offline"' in page

    response = other.post(reverse("libchat:status"), {"status": "away"})
    assert response.status_code == 409
    assert "End the other session and sign in here" in response.content.decode()
    assert selectors.active_session(operator=operator).status == "online"


def test_both_editors_of_the_chats_tab_know_the_servers_message_limit(client_in):
    page = client_in.get(reverse("dashboard:chats")).content.decode()
    assert page.count('data-max-chars="4000"') == 2  # internal chat and the patron reply pane


def test_saving_settings_says_saved_once(client_in):
    page = client_in.post(reverse("dashboard:settings"), {}, follow=True).content.decode()
    assert (
        '<div class="flash" role="status"><div class="flash-message success">Settings saved.'
        in (page)
    )
    assert "Settings saved." not in client_in.get(reverse("dashboard:settings")).content.decode()


def test_the_site_admin_stays_english_for_a_french_operator(client, operator):
    # The admin is not translated: a half-French admin reads worse than an English one.
    operator.language = "fr"
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client.force_login(operator)
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en-us"' in page
    assert "Site administration" in page and "Administration du site" not in page
