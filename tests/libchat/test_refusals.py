"""The one message core and the one error-frame shape that both chat apps share."""

import pytest

from libchat.core.messages import MessageRefused, message_check
from libchat.core.protocol import FrameError, refusal_as_event


@pytest.mark.parametrize("markup", [True, False])
def test_both_apps_refuse_an_over_long_message_in_one_wording_counting_what_was_typed(markup):
    with pytest.raises(MessageRefused) as refused:
        message_check(body="<" * 4001, client_msg_id="c-1", markup=markup)
    # Staff markup counts as the editor counts it; a patron's text as typed, not escaped.
    has = "16,004" if markup else "4,001"
    assert refused.value.code == "too_long"
    assert refused.value.message == f"Messages can be 4,000 characters at most; this one has {has}."
    assert len(message_check(body="<" * 4000, client_msg_id="", markup=False).body) == 16000


def test_a_client_msg_id_is_stripped_and_refused_when_too_long_or_missing_where_required():
    assert message_check(body="Hi", client_msg_id=" c-1 ", markup=True).client_msg_id == "c-1"
    for client_msg_id, required in (("x" * 65, False), ("  ", True)):
        with pytest.raises(MessageRefused) as refused:
            message_check(
                body="Hi",
                client_msg_id=client_msg_id,
                markup=True,
                client_msg_id_required=required,
            )
        assert refused.value.code == "bad_client_msg_id"


def test_a_refused_send_names_its_message_back_and_other_refusals_do_not():
    refusal = FrameError("forbidden", "No.")
    send = {"action": "patron.send", "chat_id": 4, "client_msg_id": "c-1", "body": "x"}
    assert refusal_as_event(refusal, frame=send) == {
        "event": "error",
        "code": "forbidden",
        "message": "No.",
        "chat_id": 4,
        "client_msg_id": "c-1",
    }
    end = {"action": "patron.end", "chat_id": 4}
    assert refusal_as_event(refusal, frame=end) == {
        "event": "error",
        "code": "forbidden",
        "message": "No.",
    }
