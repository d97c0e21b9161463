"""Log-in throttling: a username guessed at from one address is locked out with a clear message,
the address is not stored, and an admin can unlock it at once."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, OperatorFactory

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed log-in attempts. Try again in 15 minutes"


def log_in(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


@pytest.fixture
def guessed_at(client, settings):
    """An operator whose password was guessed wrong up to the limit from the test's address."""
    operator = OperatorFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, operator.username, f"guess-{attempt}")
        assert "_auth_user_id" not in client.session
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    return operator


def test_after_the_limit_even_the_right_password_is_refused_with_the_message(client, settings):
    operator = OperatorFactory()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, operator.username, f"guess-{attempt}")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    response = log_in(client, operator.username, "one more guess")
    assert response.status_code == 429

    response = log_in(client, operator.username, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in page and "ask a LibChat admin to unlock your account" in page
    assert f'value="{operator.username}"' in page  # the login form is still there, filled in
    assert "_auth_user_id" not in client.session


def test_an_admin_reset_lets_the_operator_in_at_once(client, guessed_at):
    assert log_in(client, guessed_at.username, PASSWORD).status_code == 429
    call_command("axes_reset_username", guessed_at.username)
    response = log_in(client, guessed_at.username, PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(guessed_at.pk)


def test_the_admin_lists_the_lockout_without_the_address_and_deleting_it_unlocks(
    client, guessed_at
):
    attempt = AccessAttempt.objects.get(username=guessed_at.username)
    assert attempt.ip_address != "127.0.0.1"  # a keyed stand-in, never the address itself
    admin = Client()
    admin.force_login(OperatorFactory(is_staff=True, is_superuser=True))
    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert guessed_at.username in listing.content.decode()
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert admin.post(delete, {"post": "yes"}).status_code == 302
    assert log_in(client, guessed_at.username, PASSWORD).status_code == 302


def test_guesses_from_elsewhere_do_not_lock_the_operator_out_of_their_own_desk(guessed_at):
    desk = Client(REMOTE_ADDR="10.0.0.7")
    assert log_in(desk, guessed_at.username, PASSWORD).status_code == 302
