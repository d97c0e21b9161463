"""What every socket shares (the per-consumer tests show each one in use)."""

from libchat.core.live import LiveEvents
from libchat.routing import public_websocket_urlpatterns, websocket_urlpatterns


def test_every_socket_outlives_a_frame_sent_after_its_client_closed():
    # LiveEvents drops such a frame, so the consumer lives on to run its cleanup.
    routes = [*websocket_urlpatterns, *public_websocket_urlpatterns]
    consumers = {route.callback.consumer_class for route in routes}
    assert len(consumers) == 4
    assert [c.__name__ for c in consumers if not issubclass(c, LiveEvents)] == []
