"""The bench's daphne application: LibChat's own, plus the bare reference of scenario 1.

`/bench/bare-status.json` answers `{"online": true}` straight from ASGI, with nothing of Django or
LibChat in the way: what daphne itself costs for the same body, so the status API's throughput
is read as a share of what the server could do at best (issue 19's bar: at least 0.8 of it).
"""

from libchat.asgi import application as libchat_application

BARE_PATH = "/bench/bare-status.json"
BARE_BODY = b'{"online": true}'
BARE_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BARE_BODY)).encode()),
]


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == BARE_PATH:
        await send({"type": "http.response.start", "status": 200, "headers": BARE_HEADERS})
        await send({"type": "http.response.body", "body": BARE_BODY})
        return
    await libchat_application(scope, receive, send)
