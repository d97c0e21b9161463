"""What the server tells an operator's dashboard unasked (a desk closing, a session ended) is in
the language of each of their pages: the one chosen in Settings, or, for an operator who follows
their browser, the language of the browser each socket was opened from, as a page's request
finds it."""

import pytest
from channels.db import database_sync_to_async
from django.utils.translation import gettext, override

from accounts import selectors, services
from accounts.models import Operator
from tests.factories import OperatorFactory
from tests.live import dashboard_socket, login_cookie, receive_event

pytestmark = pytest.mark.django_db(transaction=True)

CLOSING = "The desk closes: you will be signed out when your last chat ends."


@database_sync_to_async
def _signed_in(language: str):
    operator = OperatorFactory(language=language)
    return operator


async def _socket(operator, accept_language):
    key = await login_cookie(operator)
    socket, ok, _ = await dashboard_socket(session_key=key, accept_language=accept_language)
    assert ok
    return socket, key


def _in(language: str, text: str) -> str:
    with override(language):
        return gettext(text)


async def test_an_operator_who_follows_the_browser_hears_each_pages_language():
    operator = await _signed_in(Operator.FOLLOW_BROWSER)
    french, key = await _socket(operator, "fr-CA,fr;q=0.9,en;q=0.5")
    spanish, _ = await _socket(operator, "es-MX")
    english, _ = await _socket(operator, "de-DE")  # no shipped language: English
    await database_sync_to_async(services.libchat_sign_in)(
        operator=operator, browser_key=selectors.browser_key_for(key)
    )
    await database_sync_to_async(services.libchat_sign_out_scheduled)(
        operator=operator, desk="Reference, 21:00", holds_chats=True
    )
    told = [
        (await receive_event(socket, "session.sign_off"))["message"]
        for socket in (french, spanish, english)
    ]
    assert told == [_in("fr", CLOSING), _in("es", CLOSING), CLOSING]
    assert told[0].startswith("Le service ferme") and told[1].startswith("El servicio cierra")
    for socket in (french, spanish, english):
        await socket.disconnect()


async def test_the_session_ended_notice_is_in_the_browsers_language_too():
    operator = await _signed_in(Operator.FOLLOW_BROWSER)
    spanish, key = await _socket(operator, "es")
    await database_sync_to_async(services.libchat_sign_in)(
        operator=operator, browser_key=selectors.browser_key_for(key)
    )
    await database_sync_to_async(services.libchat_sign_out_scheduled)(
        operator=operator, desk="Referencia, 21:00", holds_chats=False
    )
    ended = await receive_event(spanish, "session.ended")
    assert ended["message"] == (
        "Se le desconectó de LibChat a la hora de cierre del servicio (Referencia, 21:00)."
    )


async def test_a_language_chosen_in_settings_wins_over_the_browsers():
    operator = await _signed_in("fr")
    socket, _ = await _socket(operator, "es-ES,es")
    await database_sync_to_async(services.libchat_sign_in)(operator=operator, browser_key="b" * 32)
    await database_sync_to_async(services.libchat_sign_out_scheduled)(
        operator=operator, desk="Reference, 21:00", holds_chats=True
    )
    told = await receive_event(socket, "session.sign_off")
    assert told["message"] == _in("fr", CLOSING) != CLOSING
    await socket.disconnect()
