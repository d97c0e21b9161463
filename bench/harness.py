"""What every scenario shares: the service under test, sockets, results and the table."""

import asyncio
import contextlib
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from asgiref.sync import sync_to_async

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    scenario: str
    metric: str
    ours: float | None
    reference: float | None
    goal: str
    passed: bool
    unit: str = ""
    hard: bool = (
        False  # a correctness goal (nothing lost, nothing doubled): failing it fails the run
    )
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.ours is None or not self.reference:
            return None
        return self.ours / self.reference


@dataclass
class Context:
    quick: bool
    server: object  # tests.processes.Server
    server_start: Callable[[], object] | None = None  # a fresh one, for a scenario to stop
    results: list[Result] = field(default_factory=list)

    def size(self, full: int, quick: int) -> int:
        return quick if self.quick else full


Scenario = Callable[[Context], Awaitable[None]]
SCENARIOS: list[tuple[str, Scenario]] = []


def scenario(name: str) -> Callable[[Scenario], Scenario]:
    def register(function: Scenario) -> Scenario:
        SCENARIOS.append((name, function))
        return function

    return register


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# Fixtures the scenarios and the soak share, made in the bench's database.


@sync_to_async
def operators_named(count: int, prefix: str):
    from accounts.models import Operator

    existing = list(Operator.objects.filter(username__startswith=prefix).order_by("pk")[:count])
    new = [
        Operator(username=f"{prefix}{i}", display_name=f"Bench {prefix}{i}")
        for i in range(len(existing), count)
    ]
    Operator.objects.bulk_create(new)
    return list(Operator.objects.filter(username__startswith=prefix).order_by("pk")[:count])


@sync_to_async
def widget_for(operator):
    from widgets.services import widget_create

    return widget_create(
        name=f"Bench widget {operator.pk}",
        allowed_origins=["http://127.0.0.1:8001"],
        first_choice=operator,
    )


@sync_to_async
def department_with(operators, name: str):
    """A department whose members are these operators, and its internal chat room."""
    from departments.models import Department, Membership
    from internalchat.services import room_department_get_or_create

    department, _ = Department.objects.get_or_create(slug=name, defaults={"name": name})
    Membership.objects.bulk_create(
        [Membership(department=department, operator=o) for o in operators],
        ignore_conflicts=True,
    )
    return room_department_get_or_create(department=department)


def room_send_frame(room_id: int, client_msg_id: str, body: str) -> str:
    return json.dumps(
        {"action": "room.send", "room_id": room_id, "body": body, "client_msg_id": client_msg_id}
    )


def session_cookies(operators, per_operator: int) -> list[str]:
    """Logged-in Django sessions made directly in the database (no login round trips)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    store = SessionStore()
    sessions = []
    for operator in operators:
        data = {
            SESSION_KEY: str(operator.pk),
            # The backend that logs operators in (the first one, axes', only guards logins).
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: operator.get_session_auth_hash(),
        }
        for _ in range(per_operator):
            sessions.append(
                Session(
                    session_key=store._get_new_session_key(),
                    session_data=store.encode(data),
                    expire_date=timezone.now() + timezone.timedelta(days=1),
                )
            )
    Session.objects.bulk_create(sessions, batch_size=1000)
    return [s.session_key for s in sessions]


class SocketClient:
    """A page's socket: answers the server's pings and keeps every other frame, with the time
    it arrived (or hands each to `on_frame(at, frame)` instead of queueing it)."""

    def __init__(self, on_frame=None):
        self.frames: asyncio.Queue = asyncio.Queue()
        self.on_frame = on_frame
        self.task: asyncio.Task | None = None

    def _reading(self, ws) -> None:
        self.ws = ws
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(websockets.ConnectionClosed, asyncio.CancelledError):
            async for text in self.ws:
                frame = json.loads(text)
                at = time.monotonic()
                if frame.get("event") == "ping":
                    await self.ws.send('{"action": "pong"}')
                elif self.on_frame is not None:
                    self.on_frame(at, frame)
                else:
                    self.frames.put_nowait((at, frame))

    async def next_event(self, event: str, timeout: float = 10) -> tuple[float, dict]:
        """The next frame of this event (skipping others) and when it arrived."""
        while True:
            at, frame = await asyncio.wait_for(self.frames.get(), timeout)
            if frame.get("event") == event:
                return at, frame

    async def close(self) -> None:
        if self.task:
            self.task.cancel()
        await self.ws.close()


class DashboardClient(SocketClient):
    """A dashboard tab, signed in with a session cookie."""

    def __init__(self, base_url: str, session_key: str, on_frame=None):
        super().__init__(on_frame)
        self.url = base_url.replace("http://", "ws://") + "/ws/dashboard/"
        self.headers = {"Cookie": f"sessionid={session_key}", "Origin": base_url}

    async def open(self, attempts: int = 3) -> "DashboardClient":
        # Like the page, a client whose handshake fails under load tries again after a pause.
        for attempt in range(attempts):
            try:
                ws = await websockets.connect(
                    self.url, additional_headers=self.headers, max_size=2**20, open_timeout=30
                )
                break
            except (OSError, websockets.InvalidHandshake):
                if attempt == attempts - 1:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        self._reading(ws)
        return self


async def open_clients(base_url: str, keys: list[str], concurrency: int = 50, on_frame=None):
    semaphore = asyncio.Semaphore(concurrency)

    async def one(key):
        async with semaphore:
            return await DashboardClient(base_url, key, on_frame=on_frame).open()

    return await asyncio.gather(*(one(key) for key in keys))


def table(results: list[Result]) -> str:
    rows = [("scenario", "metric", "ours", "reference", "ratio", "goal", "result")]
    for r in results:
        rows.append(
            (
                r.scenario,
                r.metric,
                "n/a" if r.ours is None else f"{r.ours:,.2f} {r.unit}".strip(),
                "—" if r.reference is None else f"{r.reference:,.2f} {r.unit}".strip(),
                "—" if r.ratio is None else f"{r.ratio:.2f}",
                r.goal,
                "pass" if r.passed else "FAIL",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, results: list[Result], meta: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"meta": meta, "results": [{**asdict(r), "ratio": r.ratio} for r in results]}
    path.write_text(json.dumps(payload, indent=2) + "\n")


def machine() -> dict:
    import platform

    import psutil

    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


async def http_load(
    url: str, *, seconds: float, connections: int = 16, rate: float | None = None
) -> tuple[int, int]:
    """GET url over keep-alive connections for a bounded time; returns (ok, failed) counts.

    A small HTTP/1.1 client on asyncio streams, so LibChat and its reference are driven by the
    very same load generator. Only for 127.0.0.1. As fast as the server answers, or with `rate`
    at that many requests a second in all (the soak's polls); then a connection that breaks
    counts a failure and is opened again, so a long run goes on.
    """
    parts = urlsplit(url)
    assert parts.hostname in {"127.0.0.1", "localhost"}, "load goes to this machine only"
    request = (
        f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
        f"Host: {parts.netloc}\r\nOrigin: http://127.0.0.1:8001\r\n\r\n"
    ).encode()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    counts = {"ok": 0, "failed": 0}

    async def one(reader, writer) -> None:
        writer.write(request)
        status_line = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        await reader.readexactly(length)
        counts["ok" if status_line.split()[1:2] == [b"200"] else "failed"] += 1

    async def worker(offset: float):
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        interval = connections / rate if rate else 0.0
        next_at = loop.time() + offset * interval
        try:
            while loop.time() < deadline:
                if rate is None:
                    await one(reader, writer)
                    continue
                await asyncio.sleep(max(0.0, next_at - loop.time()))
                next_at += interval
                try:
                    await asyncio.wait_for(one(reader, writer), 10)
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError):
                    counts["failed"] += 1
                    writer.close()
                    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        finally:
            writer.close()

    await asyncio.gather(*(worker(i / connections) for i in range(connections)))
    return counts["ok"], counts["failed"]


def database_transactions() -> int | None:
    """Committed + rolled back transactions of the bench database so far (PostgreSQL only).

    Each query Django runs in autocommit is one transaction, so the difference across a run
    counts the queries the server made. Statistics reach pg_stat_database within a second.
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = %s",
            [connection.settings_dict["NAME"]],
        )
        return cursor.fetchone()[0]


@contextlib.contextmanager
def queries_counted() -> Iterator[list[str]]:
    """The SQL this process runs on the default connection inside the block, one per execute.

    A wrapper around each execute rather than Django's `CaptureQueriesContext`, which slices the
    connection's query log: that log keeps only the last 9,000 queries, so once seeding and
    earlier scenarios have filled it, the slice is empty and every count reads 0.
    """
    from django.db import connection

    executed: list[str] = []

    def record(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield executed


def http_post(url: str, *, session_key: str, data: dict) -> int:
    """A form POST as a logged-in operator (session cookie + CSRF pair); returns the status."""
    import urllib.error
    import urllib.parse
    import urllib.request

    csrf = "b" * 32  # a CSRF secret of our own: the cookie and the header must match
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(data).encode(),
        headers={
            "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class WidgetListener:
    """An open widget page, listening to its status socket."""

    def __init__(self, base_url: str, widget_id: int):
        self.url = base_url.replace("http://", "ws://") + f"/ws/widget-status/{widget_id}/"
        self.origin = base_url

    async def open(self) -> "WidgetListener":
        self.ws = await websockets.connect(self.url, additional_headers={"Origin": self.origin})
        return self

    async def next_status(self, timeout: float = 10) -> bool:
        while True:
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if frame.get("event") == "widget.status":
                return frame["online"]

    async def close(self) -> None:
        await self.ws.close()


class Crowd:
    """Sockets held open by client processes (`bench/socket_clients.py`), `count` of them spread
    evenly over `processes`, each process well under its limit of open files."""

    def __init__(self, url: str, count: int, processes: int, hello: bool):
        self.url, self.hello = url, hello
        self.sizes = [count // processes + (i < count % processes) for i in range(processes)]
        self.clients: list[asyncio.subprocess.Process] = []

    async def open(self) -> int:
        """Start the processes and wait until every one has opened its sockets; how many did."""
        import sys

        for size in self.sizes:
            self.clients.append(
                await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bench.socket_clients", self.url, str(size),
                    *(["--hello"] if self.hello else []),
                    cwd=ROOT, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                    limit=2**24,  # one answer line holds every arrival time
                )
            )  # fmt: skip
        return sum(r["opened"] for r in await asyncio.gather(*map(self._read, self.clients)))

    @staticmethod
    async def _read(client) -> dict:
        line = await client.stdout.readline()
        if not line:
            raise RuntimeError(f"a socket client ended (exit code {await client.wait()})")
        return json.loads(line)

    async def _ask(self, client, command: dict) -> dict:
        client.stdin.write((json.dumps(command) + "\n").encode())
        await client.stdin.drain()
        return await self._read(client)

    async def still_open(self) -> int:
        answers = await asyncio.gather(*(self._ask(c, {"do": "count"}) for c in self.clients))
        return sum(a["open"] for a in answers)

    async def expect(self, online: bool, timeout: float) -> Callable[[], Awaitable[tuple]]:
        """Arm every process to note when each socket hears the status become `online`; the
        returned coroutine function waits for them: (arrival times, sockets that never heard)."""
        command = {"do": "expect", "online": online, "timeout": timeout}
        await asyncio.gather(*(self._ask(c, command) for c in self.clients))

        async def heard() -> tuple[list[float], int]:
            answers = await asyncio.gather(*map(self._read, self.clients))
            return [t for a in answers for t in a["arrivals"]], sum(a["missing"] for a in answers)

        return heard

    async def close(self) -> None:
        with contextlib.suppress(RuntimeError, ConnectionError):
            await asyncio.gather(*(self._ask(c, {"do": "close"}) for c in self.clients))
        for client in self.clients:
            try:
                await asyncio.wait_for(client.wait(), 30)
            except TimeoutError:
                client.kill()
                await client.wait()


class PatronClient(SocketClient):
    """A patron's widget: the pre-chat form (`POST /widget/<id>/chat/`), then the chat socket
    `ws/widget/<token>/`."""

    def __init__(self, base_url: str, widget_id: int):
        super().__init__()
        self.base_url, self.widget_id = base_url, widget_id

    async def start(self, question: str) -> "PatronClient":
        import urllib.parse
        import urllib.request

        def post() -> dict:
            request = urllib.request.Request(
                f"{self.base_url}/widget/{self.widget_id}/chat/",
                data=urllib.parse.urlencode({"question": question}).encode(),
                headers={"Origin": self.base_url},
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())

        answer = await asyncio.to_thread(post)
        self.chat_id, token = answer["chat_id"], answer["token"]
        url = self.base_url.replace("http://", "ws://") + f"/ws/widget/{token}/"
        self._reading(
            await websockets.connect(
                url, additional_headers={"Origin": self.base_url}, open_timeout=30
            )
        )
        return self

    async def send(self, action: str, **fields) -> None:
        await self.ws.send(json.dumps({"action": action, **fields}))
