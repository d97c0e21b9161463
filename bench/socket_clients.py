"""A load-generating process of scenario 9: visitors' pages, each holding one WebSocket open.

`python -m bench.socket_clients URL COUNT [--hello]` opens COUNT sockets to URL (127.0.0.1 only),
a few at a time, like pages loading; with `--hello` each socket's first frame (the widget's
status) is read as it opens. It then prints `{"opened": n}` and answers commands read from
stdin, one JSON object a line, with JSON lines on stdout:

- `{"do": "expect", "online": true, "timeout": 30}`: prints `{"armed": true}` at once, then
  `{"arrivals": [...], "missing": n}` once every socket has heard the widget's status become
  `online` (the arrival times on the machine's monotonic clock, which every process shares) or
  the timeout has passed;
- `{"do": "count"}`: `{"open": n}`, the sockets still open;
- `{"do": "close"}`: closes them a batch at a time, prints `{"closed": n}` and exits.

Like a browser, a socket sends no pings of its own and answers the server's. Without Django, so
that several of these processes are cheap: the scenario spreads its sockets over them to stay
well under the limit of open files of each.
"""

import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

import websockets

OPENING_AT_ONCE = 50  # handshakes in flight per process, well inside daphne's 5 s timeout
CLOSING_AT_ONCE = 200


def say(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


async def open_one(url: str, origin: str, hello: bool, attempts: int = 3):
    for attempt in range(attempts):
        try:
            ws = await websockets.connect(
                url, additional_headers={"Origin": origin}, ping_interval=None, open_timeout=30
            )
            if hello:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 30))
                assert frame.get("event") == "widget.status", frame
            return ws
        except (OSError, TimeoutError, websockets.InvalidHandshake):
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.5 * (attempt + 1))


async def heard(ws, online: bool, deadline: float) -> float | None:
    """When this socket hears the status become `online`, or None by the deadline."""
    try:
        while True:
            text = await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic()))
            frame = json.loads(text)
            if frame.get("event") == "widget.status" and frame.get("online") is online:
                return time.monotonic()
    except (TimeoutError, websockets.ConnectionClosed):
        return None


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    parser.add_argument("--hello", action="store_true", help="read one status frame at open")
    args = parser.parse_args()
    parts = urlsplit(args.url)
    assert parts.hostname == "127.0.0.1", "load goes to this machine only"
    origin = f"http://{parts.netloc}"

    semaphore = asyncio.Semaphore(OPENING_AT_ONCE)

    async def opened():
        async with semaphore:
            return await open_one(args.url, origin, args.hello)

    sockets = await asyncio.gather(*(opened() for _ in range(args.count)))
    say({"opened": len(sockets)})

    loop = asyncio.get_running_loop()
    commands = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
    while line := await commands.readline():
        command = json.loads(line)
        if command["do"] == "expect":
            deadline = time.monotonic() + command["timeout"]
            online = command["online"]
            waiting = [asyncio.create_task(heard(ws, online, deadline)) for ws in sockets]
            say({"armed": True})
            times = await asyncio.gather(*waiting)
            arrivals = [t for t in times if t is not None]
            say({"arrivals": arrivals, "missing": len(times) - len(arrivals)})
        elif command["do"] == "count":
            say({"open": sum(1 for ws in sockets if ws.state.name == "OPEN")})
        elif command["do"] == "close":
            for start in range(0, len(sockets), CLOSING_AT_ONCE):
                batch = sockets[start : start + CLOSING_AT_ONCE]
                await asyncio.gather(*(ws.close() for ws in batch))
            say({"closed": len(sockets)})
            return


if __name__ == "__main__":
    asyncio.run(main())
