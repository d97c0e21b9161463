"""The soak: `python -m bench.run --soak [--soak-minutes N]` (`make bench-soak`), not in CI.

A steady, modest mix against a production-mode stack (one daphne, a Celery worker and beat, on
the bench's PostgreSQL database and Redis db) for N minutes (30 by default), to find leaks rather
than limits:

- a patron chat every 30 s: the pre-chat form over HTTP, the patron's socket, the desk operator
  claims it, three messages each way with typing, then the patron ends it and closes the socket;
- one internal message a second, in turn across three rooms of three operators each;
- a sign-in cycle a minute: a fresh dashboard tab, Sign In, 20 s later Sign out, the tab closes;
  an open widget-status socket on that operator's widget hears both flips;
- 20 widget status polls a second over two keep-alive connections.

Every 30 s (less in a short trial) it samples the resident memory of daphne, the worker and beat,
the PostgreSQL connections to the bench database (pg_stat_activity) and the Redis clients on the
bench's db (CLIENT LIST), each attributed to its process by its local port. After the warm-up
(3 minutes, a quarter of a shorter run) it compares the last sample with the first: daphne's and
the worker's memory may grow by less than 10 %, the connection counts stay flat. At the end the
three logs are searched for errors.
"""

import asyncio
import contextlib
import json
import os
import re
import time
from pathlib import Path

import psutil
from asgiref.sync import sync_to_async

from bench.harness import (
    Context,
    DashboardClient,
    PatronClient,
    Result,
    WidgetListener,
    department_with,
    http_load,
    http_post,
    open_clients,
    operators_named,
    room_send_frame,
    session_cookies,
    widget_for,
)

WARM_UP_MINUTES = 3
SAMPLE_SECONDS = 30
RSS_GROWTH_LIMIT = 10  # per cent, after the warm-up
# Connections a pool may open or let go with the moment's demand: more than this above the
# first count after the warm-up is growth.
FLAT_ALLOWANCE = 2
CHAT_EVERY_SECONDS = 30
CHAT_EXCHANGES = 3
INTERNAL_PER_SECOND = 1
INTERNAL_ROOMS, ROOM_MEMBERS = 3, 3
CYCLE_EVERY_SECONDS = 60
SIGNED_IN_SECONDS = 20
POLLS_PER_SECOND = 20
ERROR_LINE = re.compile(r"Traceback|ERROR|CRITICAL|Internal Server Error|\w+(Error|Exception):")


class Tally:
    """What the load did, counted as it went; the first few failures kept in words."""

    def __init__(self):
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []

    def add(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def fail(self, name: str, error: BaseException | str) -> None:
        self.add(name)
        if len(self.failures) < 5:
            self.failures.append(f"{name}: {error!r}"[:300])

    def __getitem__(self, name: str) -> int:
        return self.counts.get(name, 0)


class ChatFrames:
    """The desk's dashboard frames, by the patron chat they are about."""

    def __init__(self):
        self.queues: dict[int, asyncio.Queue] = {}

    def _queue(self, chat_id: int) -> asyncio.Queue:
        return self.queues.setdefault(chat_id, asyncio.Queue())

    def on_frame(self, at: float, frame: dict) -> None:
        chat_id = frame.get("chat_id") or (frame.get("chat") or {}).get("id")
        if isinstance(chat_id, int):
            self._queue(chat_id).put_nowait(frame)

    async def wait(self, chat_id: int, event: str, client_msg_id: str | None = None) -> dict:
        queue = self._queue(chat_id)
        while True:
            frame = await asyncio.wait_for(queue.get(), 15)
            if frame.get("event") == "error":
                raise RuntimeError(f"desk refused: {frame}")
            if frame.get("event") != event:
                continue
            if client_msg_id is None or frame["message"]["client_msg_id"] == client_msg_id:
                return frame

    def forget(self, chat_id: int) -> None:
        self.queues.pop(chat_id, None)


async def _patron_chat(n: int, base_url: str, widget_id: int, desk, frames, tally) -> None:
    patron = None
    try:
        patron = await PatronClient(base_url, widget_id).start(f"Soak question {n}")
        tally.add("chats started")
        chat_id = patron.chat_id
        await patron.next_event("chat.hello")
        await frames.wait(chat_id, "chat.waiting")
        await desk.ws.send(json.dumps({"action": "patron.claim", "chat_id": chat_id}))
        await frames.wait(chat_id, "chat.opened")
        for m in range(CHAT_EXCHANGES):
            await patron.send("typing")
            await asyncio.sleep(1)
            asked = f"soak-patron-{n}-{m}"
            await patron.send("send", body=f"Question {m} of chat {n}", client_msg_id=asked)
            await frames.wait(chat_id, "chat.message", asked)
            await desk.ws.send(json.dumps({"action": "patron.typing", "chat_id": chat_id}))
            await asyncio.sleep(1)
            answered = f"soak-desk-{n}-{m}"
            reply = {"action": "patron.send", "chat_id": chat_id, "body": f"Answer {m}"}
            await desk.ws.send(json.dumps({**reply, "client_msg_id": answered}))
            while True:  # past the echo of the patron's own question
                _, heard = await patron.next_event("chat.message", 15)
                if heard["message"]["client_msg_id"] == answered:
                    break
            tally.add("chat messages delivered", 2)
        await patron.send("end")
        await patron.next_event("chat.ended", 15)
        tally.add("chats completed")
    except Exception as error:  # counted and told; the soak goes on
        tally.fail("chats failed", error)
    finally:
        if patron is not None and patron.task is not None:
            await patron.close()
            frames.forget(patron.chat_id)


async def _chats(deadline: float, base_url: str, widget_id: int, desk, frames, tally) -> None:
    running = set()
    n = 0
    while time.monotonic() < deadline:
        task = asyncio.create_task(_patron_chat(n, base_url, widget_id, desk, frames, tally))
        running.add(task)
        task.add_done_callback(running.discard)
        n += 1
        await asyncio.sleep(min(CHAT_EVERY_SECONDS, max(0.0, deadline - time.monotonic())))
    if running:
        await asyncio.wait(running, timeout=60)


async def _internal(deadline: float, rooms, senders, tally) -> None:
    """One message a second in turn across the rooms; each is acknowledged to its sender and
    delivered to the room's other members (counted by the receivers' on_frame)."""
    started, n = time.monotonic(), 0
    while (at := started + n / INTERNAL_PER_SECOND) < deadline:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        r = n % len(rooms)
        await senders[r].ws.send(room_send_frame(rooms[r].pk, f"soak-{n}", f"Internal {n}"))
        tally.add("internal sent")
        n += 1


async def _cycles(deadline: float, base_url: str, key: str, listener, tally) -> None:
    """A sign-in cycle a minute on a fresh tab; the widget's open status socket must hear it."""
    while time.monotonic() < deadline:
        began = time.monotonic()
        tab = None
        try:
            tab = await DashboardClient(base_url, key).open()
            for path, online, hold in (("/libchat/sign-in/", True, SIGNED_IN_SECONDS),
                                       ("/libchat/sign-out/", False, 1)):  # fmt: skip
                status = await asyncio.to_thread(http_post, base_url + path, session_key=key,
                                                 data={})  # fmt: skip
                if status != 302:
                    raise RuntimeError(f"{path} answered {status}")
                if await listener.next_status(timeout=10) is not online:
                    raise RuntimeError(f"the widget heard the wrong status after {path}")
                await asyncio.sleep(hold)
            tally.add("sign-in cycles")
        except Exception as error:
            tally.fail("sign-in cycles failed", error)
        finally:
            if tab is not None:
                await tab.close()
        await asyncio.sleep(max(0.0, began + CYCLE_EVERY_SECONDS - time.monotonic()))


def _ports(process: psutil.Process, remote_port: int) -> set[int]:
    """This process's local ports of its TCP connections to a server on remote_port."""
    with contextlib.suppress(psutil.Error):
        return {
            c.laddr.port
            for c in process.net_connections(kind="tcp")
            if c.raddr and c.raddr.port == remote_port
        }
    return set()


@sync_to_async
def _sample(processes: dict[str, psutil.Process], redis_client) -> dict:
    from django.db import connection

    params = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_port FROM pg_stat_activity WHERE datname = %s", [params["NAME"]]
        )
        pg_ports = [row[0] for row in cursor.fetchall()]
    db = int(redis_client.connection_pool.connection_kwargs.get("db", 0))
    redis_ports = [
        int(c["addr"].rsplit(":", 1)[1]) for c in redis_client.client_list() if int(c["db"]) == db
    ]
    pg_port = int(params["PORT"] or 5432)
    redis_port = int(redis_client.connection_pool.connection_kwargs.get("port", 6379))

    def by_owner(ports: list[int], remote_port: int) -> dict[str, int]:
        owners = {name: _ports(p, remote_port) for name, p in processes.items()}
        counts = {name: sum(1 for port in ports if port in mine) for name, mine in owners.items()}
        counts["other"] = len(ports) - sum(counts.values())
        return counts

    rss = {}
    for name, process in processes.items():
        with contextlib.suppress(psutil.Error):
            rss[name] = process.memory_info().rss
    return {
        "rss_mb": {name: round(value / 2**20, 1) for name, value in rss.items()},
        "postgres": len(pg_ports),
        "postgres_by_process": by_owner(pg_ports, pg_port),
        "redis": len(redis_ports),
        "redis_by_process": by_owner(redis_ports, redis_port),
        "load_average": round(os.getloadavg()[0], 2),
    }


def _log_errors(path: Path) -> tuple[int, str]:
    lines = [
        line for line in path.read_text(errors="replace").splitlines() if ERROR_LINE.search(line)
    ]
    return len(lines), (lines[0][:200] if lines else "")


async def run(ctx: Context, *, minutes: float, worker, beat) -> dict:
    """Run the soak against ctx.server with this Celery worker and beat; add its results to
    ctx.results and return the samples."""
    import redis
    from django.conf import settings

    seconds = minutes * 60
    warm_up = min(WARM_UP_MINUTES * 60, seconds / 4)
    every = min(SAMPLE_SECONDS, seconds / 8)
    base_url = ctx.server.url
    tally = Tally()

    desk_op, cycle_op = await operators_named(2, "soak-desk")
    members = await operators_named(INTERNAL_ROOMS * ROOM_MEMBERS, "soak-room")
    desk_widget, cycle_widget = await widget_for(desk_op), await widget_for(cycle_op)
    desk_key, cycle_key = await sync_to_async(session_cookies)([desk_op, cycle_op], 1)

    frames = ChatFrames()
    desk = await DashboardClient(base_url, desk_key, on_frame=frames.on_frame).open()
    status = await asyncio.to_thread(http_post, base_url + "/libchat/sign-in/",
                                     session_key=desk_key, data={})  # fmt: skip
    assert status == 302, f"the desk's Sign In answered {status}"
    listener = await WidgetListener(base_url, cycle_widget.pk).open()
    assert (await listener.next_status()) is False, "the cycling widget starts offline"

    rooms, senders, receivers = [], [], []
    delivered: dict[tuple[int, str], int] = {}

    def on_sender_frame(at, frame):
        if frame.get("event") == "room.sent":
            tally.add("internal acknowledged")
        elif frame.get("event") == "error":
            tally.fail("internal refused", str(frame))

    def receiver_frame(index):
        def on_frame(at, frame):
            if frame.get("event") == "room.message":
                key = (index, frame["message"]["client_msg_id"])
                delivered[key] = delivered.get(key, 0) + 1

        return on_frame

    for r in range(INTERNAL_ROOMS):
        group = members[r * ROOM_MEMBERS : (r + 1) * ROOM_MEMBERS]
        rooms.append(await department_with(group, f"bench-soak-{r}"))
        keys = await sync_to_async(session_cookies)(group, per_operator=1)
        (sender,) = await open_clients(base_url, keys[:1], on_frame=on_sender_frame)
        senders.append(sender)
        for key in keys[1:]:
            receivers += await open_clients(
                base_url, [key], on_frame=receiver_frame(len(receivers))
            )
    await asyncio.sleep(1)

    processes = {
        "daphne": psutil.Process(ctx.server.process.pid),
        "worker": psutil.Process(worker.process.pid),
        "beat": psutil.Process(beat.process.pid),
        "bench": psutil.Process(),
    }
    redis_client = redis.Redis.from_url(settings.REDIS_URL)
    samples: list[dict] = []
    started = time.monotonic()
    deadline = started + seconds
    status_url = f"{base_url}/api/1.0/chat/widgets/status/{cycle_widget.pk}"

    async def sampler():
        n = 0
        while (at := started + n * every) <= deadline + 0.5:
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            sample = {
                "t": round(time.monotonic() - started),
                **await _sample(processes, redis_client),
            }
            sample["warm_up"] = sample["t"] < warm_up
            samples.append(sample)
            print(f"  t={sample['t']:>5} s  rss MB {sample['rss_mb']}  postgres "
                  f"{sample['postgres']} {sample['postgres_by_process']}  redis {sample['redis']} "
                  f"{sample['redis_by_process']}  load {sample['load_average']}  "
                  f"{tally.counts}", flush=True)  # fmt: skip
            n += 1

    async def polls():
        ok, failed = await http_load(status_url, seconds=seconds, connections=2,
                                     rate=POLLS_PER_SECOND)  # fmt: skip
        tally.add("polls answered", ok)
        tally.add("polls failed", failed)

    await asyncio.gather(
        sampler(),
        polls(),
        _chats(deadline, base_url, desk_widget.pk, desk, frames, tally),
        _internal(deadline, rooms, senders, tally),
        _cycles(deadline, base_url, cycle_key, listener, tally),
    )
    # Stragglers: internal deliveries still on their way.
    expected = tally["internal sent"] * (ROOM_MEMBERS - 1)
    wait_until = time.monotonic() + 15
    while (
        len(delivered) < expected or tally["internal acknowledged"] < tally["internal sent"]
    ) and (time.monotonic() < wait_until):
        await asyncio.sleep(0.2)
    errors = {
        "daphne": _log_errors(Path(ctx.server.log.name)),
        "worker": _log_errors(Path(worker.log.name)),
        "beat": _log_errors(Path(beat.log.name)),
    }
    await asyncio.gather(desk.close(), listener.close(), *(c.close() for c in senders + receivers))
    redis_client.close()

    measured = [s for s in samples if not s["warm_up"]] or samples[-1:]
    first, last = measured[0], measured[-1]

    def growth(name: str) -> float:
        return 100 * (last["rss_mb"][name] - first["rss_mb"][name]) / first["rss_mb"][name]

    def series(key: str) -> str:
        values = [s[key] for s in measured]
        return (f"first {values[0]}, last {values[-1]}, max {max(values)}, min {min(values)} "
                f"over {len(values)} samples after the warm-up; by process, last: "
                f"{last[key + '_by_process']}")  # fmt: skip

    loads = [s["load_average"] for s in samples]
    load_note = (f"load average {min(loads):.1f}–{max(loads):.1f} "
                 f"(mean {sum(loads) / len(loads):.1f}) on {os.cpu_count()} CPUs")  # fmt: skip
    window = f"{minutes:g} min, {warm_up / 60:g} min warm-up"
    lost_internal = expected - len(delivered)
    doubled = sum(count - 1 for count in delivered.values() if count > 1)
    name = f"soak {minutes:g} min"
    error_count = sum(count for count, _ in errors.values())
    poll_rate = tally["polls answered"] / seconds
    ctx.results += [
        Result(name, "daphne resident memory growth", growth("daphne"), None,
               f"< {RSS_GROWTH_LIMIT} %", growth("daphne") < RSS_GROWTH_LIMIT, unit="%",
               notes=[f"{first['rss_mb']['daphne']} → {last['rss_mb']['daphne']} MB "
                      f"(max {max(s['rss_mb']['daphne'] for s in measured)}); {window}; "
                      f"{load_note}"]),
        Result(name, "worker resident memory growth", growth("worker"), None,
               f"< {RSS_GROWTH_LIMIT} %", growth("worker") < RSS_GROWTH_LIMIT, unit="%",
               notes=[f"{first['rss_mb']['worker']} → {last['rss_mb']['worker']} MB"]),
        Result(name, "beat resident memory growth", growth("beat"), None, "—", True, unit="%",
               notes=[f"{first['rss_mb']['beat']} → {last['rss_mb']['beat']} MB"]),
        Result(name, "PostgreSQL connections, last (first)", last["postgres"], first["postgres"],
               f"flat (≤ first + {FLAT_ALLOWANCE})",
               last["postgres"] <= first["postgres"] + FLAT_ALLOWANCE,
               notes=[series("postgres")]),
        Result(name, "Redis clients, last (first)", last["redis"], first["redis"],
               f"flat (≤ first + {FLAT_ALLOWANCE})",
               last["redis"] <= first["redis"] + FLAT_ALLOWANCE, notes=[series("redis")]),
        Result(name, "error lines in the daphne, worker and beat logs", error_count, None, "0",
               error_count == 0, hard=True,
               notes=[f"{n}: {count} {line!r}" for n, (count, line) in errors.items() if count]),
        Result(name, "patron chats completed (started)", tally["chats completed"],
               tally["chats started"], "all", tally["chats completed"] == tally["chats started"]
               and not tally["chats failed"], hard=True, notes=tally.failures),
        Result(name, "internal messages lost / doubled (sent)", lost_internal + doubled,
               tally["internal sent"], "0",
               lost_internal == doubled == 0 and tally["internal acknowledged"] == tally[
                   "internal sent"], hard=True,
               notes=[f"lost {lost_internal}, doubled {doubled}, acknowledged "
                      f"{tally['internal acknowledged']}"]),
        Result(name, "sign-in cycles heard by the widget", tally["sign-in cycles"], None,
               "none failed", not tally["sign-in cycles failed"], hard=True,
               notes=[f"{tally['sign-in cycles failed']} failed"]),
        Result(name, "status polls answered a second", poll_rate, None,
               f"{POLLS_PER_SECOND}/s, none failed", not tally["polls failed"], unit="/s",
               notes=[f"{tally['polls answered']} answered, {tally['polls failed']} failed"]),
    ]  # fmt: skip
    return {"samples": samples, "counts": tally.counts, "log_errors": errors}
