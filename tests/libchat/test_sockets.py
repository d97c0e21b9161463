"""What every socket shares (the per-consumer tests show each one in use)."""

from libchat.core.live import LiveEvents
from libchat.routing import public_websocket_urlpatterns, websocket_urlpatterns
from widgets.consumers import widget_status_socket


def test_every_socket_outlives_a_frame_sent_after_its_client_closed():
    # LiveEvents drops such a frame, so the consumer lives on to run its cleanup. The widget
    # status socket, plain ASGI, drops it itself (StatusPage.hear; its test closes as it flips).
    routes = [*websocket_urlpatterns, *public_websocket_urlpatterns]
    plain = [route.callback for route in routes if not hasattr(route.callback, "consumer_class")]
    assert plain == [widget_status_socket]
    consumers = {route.callback.consumer_class for route in routes if route.callback not in plain}
    assert len(consumers) == 3
    assert [c.__name__ for c in consumers if not issubclass(c, LiveEvents)] == []
