"""The bench's daphne application: LibChat's own, plus bare references in plain ASGI.

`/bench/bare-status.json` answers `{"online": true}` straight from ASGI, with nothing of Django or
LibChat in the way: what daphne itself costs for the same body, so the status API's throughput
is read as a share of what the server could do at best (issue 19's bar: at least 0.8 of it).

`/bench/bare-socket/` accepts a WebSocket and holds it, answering nothing: what daphne itself
costs per open socket, the reference for the widget-status socket's memory and idle CPU
(scenario 9).
"""

from libchat.asgi import application as libchat_application

BARE_PATH = "/bench/bare-status.json"
BARE_BODY = b'{"online": true}'
BARE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BARE_BODY)).encode()),
]
BARE_SOCKET_PATH = "/bench/bare-socket/"


async def bare_socket(receive, send) -> None:
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while (await receive())["type"] != "websocket.disconnect":
        pass  # whatever the client sends goes unanswered


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == BARE_PATH:
        await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
        await send({"type": "http.response.body", "body": BARE_BODY})
        return
    if scope["type"] == "websocket" and scope["path"] == BARE_SOCKET_PATH:
        await bare_socket(receive, send)
        return
    await libchat_application(scope, receive, send)
