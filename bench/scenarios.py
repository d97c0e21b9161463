"""The scenarios. Each measures LibChat and, where there is one, its reference in the same run."""

import asyncio
import os
import time

import psutil
from asgiref.sync import sync_to_async

from bench import harness
from bench.asgi import BARE_SOCKET_PATH
from bench.harness import (
    Context,
    DashboardClient,
    Result,
    WidgetListener,
    database_transactions,
    department_with,
    http_load,
    http_post,
    open_clients,
    operators_named,
    percentile,
    queries_counted,
    room_send_frame,
    scenario,
    session_cookies,
    widget_for,
)


async def _connections_gone(timeout: float = 60) -> None:
    """Wait until the server has handled every close, so the next scenario measures alone."""
    from accounts.models import DashboardConnection

    count = sync_to_async(DashboardConnection.objects.count)
    deadline = time.monotonic() + timeout
    while await count() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def _queries_during(work) -> tuple[object, int | None]:
    """Run work() and count the database's transactions meanwhile, less our own reads."""
    read = sync_to_async(database_transactions)
    start = await read()
    if start is None:
        return await work(), None
    started = time.monotonic()
    result = await work()
    await asyncio.sleep(1.2)  # statistics reach pg_stat_database within a second
    busy = await read() - start
    # The same time with no requests: what reading the counter and the connection pool's own
    # upkeep cost, to take away.
    idle_start = await read()
    await asyncio.sleep(time.monotonic() - started)
    idle = await read() - idle_start
    return result, max(0, busy - idle)


@scenario("1 widget status endpoint")
async def status_endpoint(ctx: Context) -> None:
    """Public widget status vs a bare ASGI app's JSON answer, in the same daphne process."""
    seconds = ctx.size(15, 2)
    (operator,) = await operators_named(1, "status")
    widget = await widget_for(operator)
    ours_url = f"{ctx.server.url}/api/1.0/chat/widgets/status/{widget.pk}"
    reference_url = f"{ctx.server.url}/bench/bare-status.json"  # bench/asgi.py
    await http_load(ours_url, seconds=0.5, connections=2)  # warm the cache and the process

    started = time.monotonic()
    ours_ok, ours_failed = await http_load(ours_url, seconds=seconds)
    ours_rps = ours_ok / (time.monotonic() - started)
    (counted_ok, _), queries = await _queries_during(lambda: http_load(ours_url, seconds=seconds))
    started = time.monotonic()
    ref_ok, ref_failed = await http_load(reference_url, seconds=seconds)
    ref_rps = ref_ok / (time.monotonic() - started)

    ratio = ours_rps / ref_rps
    per_request = None if queries is None else queries / max(1, counted_ok)
    ctx.results += [
        Result("1 status endpoint", "throughput", ours_rps, ref_rps, "ratio ≥ 0.8",
               ratio >= 0.8, unit="req/s"),
        Result("1 status endpoint", "failed requests", ours_failed + ref_failed, None, "0",
               ours_failed + ref_failed == 0, hard=True),
        Result("1 status endpoint", "DB queries per request", per_request, None,
               "0 (< 1 per 100 requests: counter noise)",
               per_request < 0.01 if per_request is not None else True, hard=True,
               notes=[] if per_request is not None else ["counted on PostgreSQL only"]),
    ]  # fmt: skip


@scenario("6 status change reaches a widget")
async def status_push(ctx: Context) -> None:
    """From an operator's Sign In / Sign out request to the open widget page hearing the flip."""
    flips = ctx.size(60, 6)
    (operator,) = await operators_named(1, "push")
    widget = await widget_for(operator)
    (key,) = await sync_to_async(session_cookies)([operator], per_operator=1)
    dashboard = await DashboardClient(ctx.server.url, key).open()
    listener = await WidgetListener(ctx.server.url, widget.pk).open()
    assert (await listener.next_status()) is False

    latencies = []
    for flip in range(flips):
        path = "/libchat/sign-in/" if flip % 2 == 0 else "/libchat/sign-out/"
        started = time.monotonic()
        status = await asyncio.to_thread(http_post, ctx.server.url + path, session_key=key, data={})
        assert status == 302, f"{path} answered {status}"
        online = await listener.next_status(timeout=10)
        latencies.append(time.monotonic() - started)
        assert online is (flip % 2 == 0)
    await dashboard.close()
    await listener.close()

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    ctx.results += [
        Result("6 status push", "p50 request → widget", p50 * 1000, None, "—", True, unit="ms"),
        Result("6 status push", "p99 request → widget", p99 * 1000, None, "< 2000 ms",
               p99 < 2.0, unit="ms"),
    ]  # fmt: skip


@scenario("2 message to 200 members")
async def fan_out(ctx: Context) -> None:
    """One internal message, send → delivered to every connected member, vs raw group_send."""
    members, messages = ctx.size(200, 200), ctx.size(100, 10)
    operators = await operators_named(members + 1, "fan")
    room = await department_with(operators, "bench-fan-out")
    keys = await sync_to_async(session_cookies)(operators, per_operator=1)
    arrivals: dict[str, list[float]] = {}

    def on_frame(at, frame):
        if frame.get("event") == "room.message":
            arrivals.setdefault(frame["message"]["client_msg_id"], []).append(at)

    receivers = await open_clients(ctx.server.url, keys[1:], on_frame=on_frame)
    sender = await DashboardClient(ctx.server.url, keys[0]).open()
    await asyncio.sleep(1)
    latencies, lost = [], 0
    for n in range(messages):
        client_msg_id = f"fan-{time.time_ns()}-{n}"
        started = time.monotonic()
        await sender.ws.send(room_send_frame(room.pk, client_msg_id, f"Hello {n}"))
        deadline = started + 10
        while len(arrivals.get(client_msg_id, [])) < members and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        got = arrivals.get(client_msg_id, [])
        lost += members - len(got)
        latencies += [at - started for at in got]
    await asyncio.gather(sender.close(), *(c.close() for c in receivers))
    await _connections_gone()

    raw = await _raw_group_send(members, messages)
    ours_p50, ours_p99 = percentile(latencies, 50), percentile(latencies, 99)
    raw_p50, raw_p99 = percentile(raw, 50), percentile(raw, 99)
    ctx.results += [
        Result("2 fan-out to 200", "p50 send → delivered", ours_p50 * 1000, raw_p50 * 1000,
               "—", True, unit="ms"),
        Result("2 fan-out to 200", "p99 send → delivered", ours_p99 * 1000, raw_p99 * 1000,
               "ratio ≤ 3", ours_p99 <= 3 * raw_p99, unit="ms"),
        Result("2 fan-out to 200", "deliveries lost", lost, None, "0", lost == 0, hard=True),
    ]  # fmt: skip


async def _raw_group_send(receivers: int, messages: int) -> list[float]:
    """The reference: channels_redis group_send round trips to as many receivers, same Redis."""
    from channels_redis.core import RedisChannelLayer
    from django.conf import settings

    layer = RedisChannelLayer(hosts=[settings.REDIS_URL], prefix="benchraw")
    channels = [await layer.new_channel() for _ in range(receivers)]
    for channel in channels:
        await layer.group_add("bench-raw", channel)

    async def receive(channel, started):
        await layer.receive(channel)
        return time.monotonic() - started

    latencies = []
    for n in range(messages):
        started = time.monotonic()
        await layer.group_send("bench-raw", {"type": "bench.message", "n": n})
        latencies += await asyncio.gather(*(receive(c, started) for c in channels))
    for channel in channels:
        await layer.group_discard("bench-raw", channel)
    await layer.flush()
    return latencies


@scenario("3 steady load across 20 rooms")
async def steady_load(ctx: Context) -> None:
    """50 messages a second across 20 rooms: send → ack, and every member gets each once."""
    seconds, rate, rooms_count, listeners = ctx.size(60, 5), 50, 20, 4
    operators = await operators_named(rooms_count * (listeners + 1), "steady")
    rooms, senders, receivers = [], [], []
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    deliveries: dict[tuple[int, str], int] = {}

    def on_sender_frame(at, frame):
        if frame.get("event") == "room.sent":
            acks.append(at - sent_at[frame["client_msg_id"]])

    def receiver_frame(index):
        def on_frame(at, frame):
            if frame.get("event") == "room.message":
                key = (index, frame["message"]["client_msg_id"])
                deliveries[key] = deliveries.get(key, 0) + 1

        return on_frame

    opening = []
    for r in range(rooms_count):
        group = operators[r * (listeners + 1) : (r + 1) * (listeners + 1)]
        rooms.append(await department_with(group, f"bench-steady-{r}"))
        keys = await sync_to_async(session_cookies)(group, per_operator=1)
        opening.append(DashboardClient(ctx.server.url, keys[0], on_frame=on_sender_frame))
        for key in keys[1:]:
            index = len(opening) - 1 - r  # receivers so far
            opening.append(DashboardClient(ctx.server.url, key, on_frame=receiver_frame(index)))
    # Opened side by side, as tabs open on a desk's machines (one by one took 13 s).
    semaphore = asyncio.Semaphore(20)

    async def opened(client):
        async with semaphore:
            return await client.open()

    clients = await asyncio.gather(*(opened(c) for c in opening))
    for r in range(rooms_count):
        room_clients = clients[r * (listeners + 1) : (r + 1) * (listeners + 1)]
        senders.append(room_clients[0])
        receivers += [(r, c) for c in room_clients[1:]]
    await asyncio.sleep(1)

    total = seconds * rate
    started = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
        r = n % rooms_count
        client_msg_id = f"steady-{time.time_ns()}-{n}"
        sent_at[client_msg_id] = time.monotonic()
        await senders[r].ws.send(room_send_frame(rooms[r].pk, client_msg_id, f"Load {n}"))
    expected = total * listeners

    def waiting() -> bool:
        return len(acks) < total or len(deliveries) < expected

    deadline = time.monotonic() + 15
    while waiting() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    on_time = len(deliveries)
    # Late is not lost: on a starved machine frames can still be on their way. Keep listening
    # while they keep coming (up to two minutes); what never came is lost.
    heard, quiet_since, give_up = len(deliveries) + len(acks), time.monotonic(), deadline + 120
    while waiting() and time.monotonic() - quiet_since < 5 and time.monotonic() < give_up:
        await asyncio.sleep(0.1)
        if len(deliveries) + len(acks) > heard:
            heard, quiet_since = len(deliveries) + len(acks), time.monotonic()
    await asyncio.gather(*(c.close() for c in senders), *(c.close() for _, c in receivers))
    await _connections_gone()

    lost = expected - len(deliveries)
    doubled = sum(count - 1 for count in deliveries.values() if count > 1)
    p99 = percentile(acks, 99)
    ctx.results += [
        Result("3 50 msg/s, 20 rooms", "p99 send → ack", p99 * 1000, None, "< 250 ms",
               p99 < 0.25, unit="ms"),
        Result("3 50 msg/s, 20 rooms", "acks missing", total - len(acks), None, "0",
               len(acks) == total, hard=True),
        Result("3 50 msg/s, 20 rooms", "deliveries later than 15 s", len(deliveries) - on_time,
               None, "0", len(deliveries) == on_time),
        Result("3 50 msg/s, 20 rooms", "deliveries lost", lost, None, "0", lost == 0, hard=True),
        Result("3 50 msg/s, 20 rooms", "deliveries doubled", doubled, None, "0", doubled == 0,
               hard=True),
    ]  # fmt: skip


@sync_to_async
def _seed_messages(room, sender, count: int) -> None:
    """Bulk-load count messages into room in one INSERT … SELECT (seconds for a million)."""
    from django.db import connection

    from internalchat.models import Message

    table = Message._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} "
                "(room_id, sender_id, body, body_text, client_msg_id, created_at, line, "
                "line_args) "
                "SELECT %s, %s, 'Seeded message ' || g, 'Seeded message ' || g, "
                "'seed-' || %s || '-' || g, now(), '', '{}' "
                "FROM generate_series(1, %s) AS g",
                [room.pk, sender.pk, room.pk, count],
            )
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute(
                "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s) "
                f"INSERT INTO {table} "
                "(room_id, sender_id, body, body_text, client_msg_id, created_at, line, "
                "line_args) "
                "SELECT %s, %s, 'Seeded message ' || n, 'Seeded message ' || n, "
                "'seed-' || %s || '-' || n, "
                "CURRENT_TIMESTAMP, '', '{}' FROM g",
                [count, room.pk, sender.pk, room.pk],
            )


@sync_to_async
def _history_and_unread(room, reader, pages: int) -> tuple[int, list[float], float]:
    """Queries for one history page plus the unread counts, and page timings."""
    import random

    from internalchat import selectors
    from internalchat.models import Message

    ids = Message.objects.filter(room=room).order_by("id").values_list("id", flat=True)
    low, high = ids.first(), ids.last()
    with queries_counted() as queries:
        selectors.room_history(room=room, before_id=high)
        selectors.unread_counts(operator=reader)
    timings = []
    for _ in range(pages):
        before = random.randint(low + 60, high + 1)
        started = time.perf_counter()
        selectors.room_history(room=room, before_id=before)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    selectors.unread_counts(operator=reader)
    return len(queries), timings, time.perf_counter() - started


@scenario("5 history and unread at scale")
async def history_at_scale(ctx: Context) -> None:
    """History page and unread counts: the same queries at 10 k and 1 M messages."""
    small, large = ctx.size(10_000, 1_000), ctx.size(1_000_000, 20_000)
    reader, writer = await operators_named(2, "history")
    figures = {}
    for size in (small, large):
        room = await department_with([reader, writer], f"bench-history-{size}")
        await _seed_messages(room, writer, size)
        figures[size] = await _history_and_unread(room, reader, pages=ctx.size(300, 50))
    (q_small, _, _), (q_large, timings, unread_seconds) = figures[small], figures[large]
    p95 = percentile(timings, 95)
    ctx.results += [
        Result("5 history at scale", f"queries at {small:,} / {large:,}", q_large, q_small,
               "equal, not 0", q_large == q_small > 0, hard=True),
        Result("5 history at scale", f"history page p95 at {large:,}", p95 * 1000, None,
               "< 20 ms", p95 < 0.020, unit="ms"),
        Result("5 history at scale", f"unread counts at {large:,}", unread_seconds * 1000, None,
               "—", True, unit="ms"),
    ]  # fmt: skip


# Words of the search scenario's messages: a vocabulary used unevenly, as people write (the
# first words are in a third of all messages, most words in a few hundred).
SEARCH_VOCABULARY = 5000
SEARCH_WORDS_PER_MESSAGE = 8


def _search_word(rank: int) -> str:
    return f"term{rank}"


@sync_to_async
def _seed_search(rooms, sender, count: int) -> None:
    """count messages spread over the rooms, each of SEARCH_WORDS_PER_MESSAGE words drawn with a
    skew (word rank = vocabulary × random³), body_text as message_send stores it."""
    import random

    from django.db import connection

    from internalchat import search
    from internalchat.models import Message

    table = Message._meta.db_table
    room_ids = [room.pk for room in rooms]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The GIN index is built once after the load: far quicker than row by row.
            cursor.execute("DROP INDEX IF EXISTS internalchat_message_search")
            cursor.execute(
                f"INSERT INTO {table} (room_id, sender_id, body, body_text, client_msg_id, "
                "created_at, line, line_args) "
                "SELECT (%s::bigint[])[1 + g %% %s], %s, t.text, t.text, 'search-' || g, now(), "
                "'', '{}' "
                "FROM generate_series(1, %s) AS g, LATERAL ("
                "  SELECT string_agg('term' || floor(%s * random() ^ 3)::int, ' ') AS text "
                "  FROM generate_series(1, %s) WHERE g > 0) AS t",
                [room_ids, len(room_ids), sender.pk, count, SEARCH_VOCABULARY,
                 SEARCH_WORDS_PER_MESSAGE],
            )  # fmt: skip
            cursor.execute(search.POSTGRES_INDEX[1])
            cursor.execute(f"ANALYZE {table}")
            return
    rows = []
    for n in range(count):
        text = " ".join(
            _search_word(int(SEARCH_VOCABULARY * random.random() ** 3))
            for _ in range(SEARCH_WORDS_PER_MESSAGE)
        )
        rows.append(Message(room_id=room_ids[n % len(room_ids)], sender=sender, body=text,
                            body_text=text, client_msg_id=f"search-{n}"))  # fmt: skip
    Message.objects.bulk_create(rows, batch_size=2000)


def _search_queries(count: int) -> list[str]:
    """A mix of what people type: a common word, an uncommon one, two words, a phrase, a word
    less another, a rare word, and a word no message holds."""
    import random

    def word(low, high):
        return _search_word(random.randint(low, high))

    def two(low, high):  # two different words, as a person types them
        first, second = random.sample(range(low, high + 1), 2)
        return _search_word(first), _search_word(second)

    kinds = [
        lambda: word(0, 5),
        lambda: word(50, 300),
        lambda: f"{word(0, 50)} {word(50, 500)}",
        lambda: '"{} {}"'.format(*two(0, 20)),
        lambda: "{} -{}".format(*two(0, 20)),
        lambda: word(2000, 4999),
        lambda: "absentword",
    ]
    return [kinds[n % len(kinds)]() for n in range(count)]


@sync_to_async
def _search_timings(reader, queries: list[str]) -> tuple[list[int], list[float], int]:
    from internalchat import selectors

    counts, timings, found = [], [], 0
    selectors.message_search(operator=reader, query=queries[0])  # warm the connection
    for query in queries:
        with queries_counted() as executed:
            started = time.perf_counter()
            results = selectors.message_search(operator=reader, query=query)
            timings.append(time.perf_counter() - started)
        counts.append(len(executed))
        found += bool(results)
    return counts, timings, found


@scenario("7 search at scale")
async def search_at_scale(ctx: Context) -> None:
    """Full-text search of internal chat: 1 M messages over 100 rooms, an operator in half of
    them; a mix of queries, each answered with the same number of queries."""
    total, room_count = ctx.size(1_000_000, 10_000), ctx.size(100, 10)
    reader, writer = await operators_named(2, "search")
    rooms = []
    for r in range(room_count):
        members = [reader, writer] if r % 2 == 0 else [writer]
        rooms.append(await department_with(members, f"bench-search-{r}"))
    started = time.monotonic()
    await _seed_search(rooms, writer, total)
    seed_seconds = time.monotonic() - started
    queries = _search_queries(ctx.size(700, 35))
    counts, timings, found = await _search_timings(reader, queries)
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    fixed = set(counts) <= {2, 3}
    ctx.results += [
        Result("7 search at scale", f"search p95 at {total:,} messages", p95 * 1000, None,
               "< 100 ms", p95 < 0.100, unit="ms",
               notes=[f"p50 {p50 * 1000:.1f} ms; {len(queries)} searches, {found} found "
                      f"something; seeding took {seed_seconds:.0f} s; load average "
                      f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"]),
        Result("7 search at scale", "queries per search (found / nothing found)",
               max(counts), min(counts), "3 / 2 whatever the size", fixed and max(counts) == 3,
               hard=True),
    ]  # fmt: skip


# Reports: a library's three years of chats, the figures of the Reports page for a year and a month.
REPORTS_YEARS_DAYS = 3 * 365


@sync_to_async
def _seed_reports(operators, widgets, chats: int, tickets: int) -> float:
    """chats over three years up to now (a tenth missed, one in twenty transferred), each with
    its record (participants, claim and transfer events), tickets, and every operator's status
    record (Online 09:00–13:00 and Away 13:00–13:30 each day). Returns the seconds it took."""
    import random
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from accounts.models import StatusInterval
    from chats.models import ChatEvent, ChatParticipant, OfflineTicket, PatronChat

    started = time.monotonic()
    op_ids = [o.pk for o in operators]
    widget_ids = [w.pk for w in widgets]
    if connection.vendor == "postgresql":
        chat, part, event = (m._meta.db_table for m in (PatronChat, ChatParticipant, ChatEvent))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {chat} (widget_id, token_hash, state, name, email, question, "
                "created_at, queued_at, first_claimed_at, first_response_at, ended_at, "
                "last_message_id, rating, comment, internal_note, page_url, patron_ref, browser, "
                "language, address_hash) "
                "SELECT (%s::bigint[])[1 + g %% %s], md5('bench-report-' || g) || md5('r' || g), "
                "'ended', '', '', 'Seeded question', s.asked, s.asked, "
                "CASE WHEN s.missed THEN NULL ELSE s.asked + s.wait END, "
                "CASE WHEN s.missed THEN NULL ELSE s.asked + s.wait + interval '20 seconds' END, "
                "s.asked + s.wait + s.handling, 0, "
                "CASE WHEN NOT s.missed AND g %% 4 = 0 THEN 1 + g %% 5 END, "
                "CASE WHEN g %% 40 = 0 THEN 'Seeded comment ' || g ELSE '' END, '', '', '', '', "
                "'en', '' "
                "FROM generate_series(1, %s) AS g, LATERAL (SELECT "
                "  now() - random() * %s * interval '1 day' AS asked, "
                "  random() * random() * interval '10 minutes' AS wait, "
                "  random() * interval '40 minutes' AS handling, "
                "  random() < 0.1 AS missed WHERE g > 0) AS s "
                # Rows in the order a library's chats arrive: by when they started.
                "ORDER BY s.asked",
                [widget_ids, len(widget_ids), chats, REPORTS_YEARS_DAYS],
            )
            cursor.execute(
                f"INSERT INTO {part} (chat_id, operator_id, joined_at, first_message_at) "
                "SELECT id, (%s::bigint[])[1 + id %% %s], first_claimed_at, first_response_at "
                f"FROM {chat} WHERE first_claimed_at IS NOT NULL ORDER BY id",
                [op_ids, len(op_ids)],
            )
            cursor.execute(
                f"INSERT INTO {part} (chat_id, operator_id, joined_at, first_message_at) "
                "SELECT id, (%s::bigint[])[1 + (id + 7) %% %s], "
                "first_claimed_at + interval '1 minute', NULL "
                f"FROM {chat} WHERE first_claimed_at IS NOT NULL AND id %% 20 = 0",
                [op_ids, len(op_ids)],
            )
            cursor.execute(
                f"INSERT INTO {event} (chat_id, kind, at, to_operator_id, reason, note) "
                "SELECT id, 'claimed', first_claimed_at, (%s::bigint[])[1 + id %% %s], '', '' "
                f"FROM {chat} WHERE first_claimed_at IS NOT NULL ORDER BY id",
                [op_ids, len(op_ids)],
            )
            cursor.execute(
                f"INSERT INTO {event} (chat_id, kind, at, operator_id, to_operator_id, reason, "
                "note) SELECT id, 'transferred', first_claimed_at + interval '1 minute', "
                "(%s::bigint[])[1 + id %% %s], (%s::bigint[])[1 + (id + 7) %% %s], '', '' "
                f"FROM {chat} WHERE first_claimed_at IS NOT NULL AND id %% 20 = 0",
                [op_ids, len(op_ids), op_ids, len(op_ids)],
            )
            cursor.execute(
                f"INSERT INTO {OfflineTicket._meta.db_table} (widget_id, name, email, question, "
                "created_at) SELECT (%s::bigint[])[1 + g %% %s], '', 'patron' || g || "
                "'@example.org', 'Seeded ticket', now() - random() * %s * interval '1 day' "
                "FROM generate_series(1, %s) AS g",
                [widget_ids, len(widget_ids), REPORTS_YEARS_DAYS, tickets],
            )
            cursor.execute(
                f"INSERT INTO {StatusInterval._meta.db_table} "
                "(operator_id, status, started_at, ended_at) "
                "SELECT o, s.status, d + s.start_at, d + s.end_at "
                "FROM unnest(%s::bigint[]) AS o, "
                "generate_series(date_trunc('day', now()) - %s * interval '1 day', "
                "  date_trunc('day', now()) - interval '1 day', interval '1 day') AS d, "
                "(VALUES ('online', interval '9 hours', interval '13 hours'), "
                "        ('away', interval '13 hours', interval '13 hours 30 minutes')) "
                "  AS s(status, start_at, end_at)",
                [op_ids, REPORTS_YEARS_DAYS],
            )
            for model in (PatronChat, ChatParticipant, ChatEvent, OfflineTicket, StatusInterval):
                cursor.execute(f"ANALYZE {model._meta.db_table}")
        return time.monotonic() - started

    now = timezone.now()
    rows = []
    for n in range(chats):
        asked = now - timedelta(days=REPORTS_YEARS_DAYS * random.random())
        missed = random.random() < 0.1
        claimed = None if missed else asked + timedelta(seconds=600 * random.random() ** 2)
        rows.append(PatronChat(
            widget_id=widget_ids[n % len(widget_ids)], token_hash=f"bench-report-{n:051d}",
            state=PatronChat.State.ENDED, question="Seeded question", queued_at=asked,
            first_claimed_at=claimed,
            first_response_at=claimed and claimed + timedelta(seconds=20),
            ended_at=(claimed or asked) + timedelta(seconds=2400 * random.random()),
            rating=None if missed or n % 4 else 1 + n % 5,
            comment=f"Seeded comment {n}" if n % 40 == 0 else "",
        ))  # fmt: skip
    made = PatronChat.objects.bulk_create(rows, batch_size=2000)
    for chat_row, row in zip(made, rows, strict=True):
        PatronChat.objects.filter(pk=chat_row.pk).update(created_at=row.queued_at)
    ChatParticipant.objects.bulk_create(
        [
            ChatParticipant(
                chat=c,
                operator_id=op_ids[c.pk % len(op_ids)],
                joined_at=c.first_claimed_at,
                first_message_at=c.first_response_at,
            )
            for c in made
            if c.first_claimed_at
        ],  # fmt: skip
        batch_size=2000,
    )
    ChatEvent.objects.bulk_create(
        [
            ChatEvent(
                chat=c,
                kind=ChatEvent.Kind.CLAIMED,
                at=c.first_claimed_at,
                to_operator_id=op_ids[c.pk % len(op_ids)],
            )
            for c in made
            if c.first_claimed_at
        ],  # fmt: skip
        batch_size=2000,
    )
    OfflineTicket.objects.bulk_create(
        [
            OfflineTicket(
                widget_id=widget_ids[n % len(widget_ids)],
                email=f"p{n}@example.org",
                question="Seeded ticket",
            )
            for n in range(tickets)
        ],  # fmt: skip
    )
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    StatusInterval.objects.bulk_create(
        [
            StatusInterval(
                operator_id=o,
                status="online",
                started_at=day - timedelta(days=d, hours=-9),
                ended_at=day - timedelta(days=d, hours=-13),
            )
            for o in op_ids
            for d in range(1, 60)
        ],  # fmt: skip
        batch_size=2000,
    )
    return time.monotonic() - started


@sync_to_async
def _rollup_build(start) -> float:
    """The roll-up of every closed day since `start`, as `manage.py reports_rollup` builds it
    on an install upgraded with years of chats. Returns the seconds it took."""
    from django.utils import timezone

    from reports.services import rollup_rebuild

    started = time.monotonic()
    rollup_rebuild(start=start, end=timezone.localdate())
    return time.monotonic() - started


@sync_to_async
def _report_timings(filters, runs: int) -> tuple[int, list[float]]:
    from reports.selectors import report_figures

    report_figures(filters)  # warm the connection and the plans
    with queries_counted() as executed:
        report_figures(filters)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        report_figures(filters)
        timings.append(time.perf_counter() - started)
    return len(executed), timings


@sync_to_async
def _export_run(rows: int) -> tuple[int, float, float]:
    """The Transcripts CSV export of every chat, as a supervisor downloads it, read until `rows`
    rows: (rows, seconds, peak Python memory in MiB while it streamed)."""
    import tracemalloc

    from accounts.models import Operator
    from chats.exports import csv_lines
    from chats.filters import TranscriptFilters
    from chats.selectors import transcripts_in_chunks

    supervisor, _ = Operator.objects.get_or_create(
        username="bench-supervisor", defaults={"is_superuser": True, "is_operator": True}
    )
    chunks = transcripts_in_chunks(operator=supervisor, filters=TranscriptFilters())
    tracemalloc.start()
    started, written = time.perf_counter(), -1  # the header is no chat
    for text in csv_lines(chunks, lambda chat: f"/dashboard/transcripts/{chat.pk}/", language="en"):
        written += text.count("\r\n")
        if written >= rows:
            break
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return written, seconds, peak


@scenario("8 reports at scale")
async def reports_at_scale(ctx: Context) -> None:
    """Every figure of the Reports page over 1 M chats in three years and 50 operators: the
    same number of queries for a year and a month, and how long each takes."""
    from datetime import timedelta

    from django.utils import timezone

    from reports.filters import ReportFilters

    chats, tickets = ctx.size(1_000_000, 3_000), ctx.size(50_000, 300)
    operators = await operators_named(ctx.size(50, 10), "reports")
    widgets = [await widget_for(o) for o in operators[:5]]
    seed_seconds = await _seed_reports(operators, widgets, chats, tickets)
    today = timezone.localdate()
    # The whole three years (an upgrade's cost); quick mode only what the two ranges read.
    rollup_days = ctx.size(REPORTS_YEARS_DAYS + 1, 372)
    rollup_seconds = await _rollup_build(today - timedelta(days=rollup_days))
    year = ReportFilters(start=today - timedelta(days=364), end=today, grain="week")
    month = ReportFilters(start=today - timedelta(days=29), end=today, grain="day")
    q_year, year_timings = await _report_timings(year, ctx.size(20, 3))
    q_month, month_timings = await _report_timings(month, ctx.size(40, 5))
    p95_year, p95_month = percentile(year_timings, 95), percentile(month_timings, 95)
    exported, export_seconds, export_peak = await _export_run(ctx.size(100_000, 2_500))
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    ctx.results += [
        Result("8 reports at scale", f"whole page, one year of {chats:,} chats: p95",
               p95_year * 1000, None, "< 500 ms", p95_year < 0.5, unit="ms",
               notes=[f"{len(year_timings)} runs; seeding took {seed_seconds:.0f} s, the "
                      f"roll-up of its days {rollup_seconds:.0f} s; {load}"]),
        Result("8 reports at scale", "whole page, one month: p95", p95_month * 1000, None,
               "< 100 ms", p95_month < 0.1, unit="ms", notes=[f"{len(month_timings)} runs"]),
        Result("8 reports at scale", "queries for a year / a month", q_year, q_month,
               "equal, not 0", q_year == q_month > 0, hard=True),
        Result("8 reports at scale", f"Transcripts CSV export of {exported:,} chats: peak memory",
               export_peak, None, "< 64 MiB", export_peak < 64, unit="MiB",
               notes=[f"streamed in {export_seconds:.1f} s (under tracemalloc, which slows it), "
                      "a thousand chats per query"]),
    ]  # fmt: skip


# Last: a thousand and more sockets closing leave the server busy for a while.
@scenario("4 idle dashboard sockets")
async def idle_sockets(ctx: Context) -> None:
    """Idle dashboard tabs held by one daphne: memory per socket and CPU while idle."""
    count = ctx.size(1500, 100)
    window = ctx.size(45, 5)  # the full window spans two 20 s heartbeat rounds
    operators = await operators_named(50, "idle")
    keys = await sync_to_async(session_cookies)(operators, per_operator=-(-count // 50))
    daphne = psutil.Process(ctx.server.process.pid)

    warm = await open_clients(ctx.server.url, keys[:10])
    await asyncio.sleep(1)
    rss_before = daphne.memory_info().rss
    clients = warm + await open_clients(ctx.server.url, keys[10:count])
    await asyncio.sleep(2)
    rss_after = daphne.memory_info().rss
    cpu_before, wall_before = sum(daphne.cpu_times()[:2]), time.monotonic()
    await asyncio.sleep(window)
    cpu_share = (sum(daphne.cpu_times()[:2]) - cpu_before) / (time.monotonic() - wall_before)
    still_open = sum(1 for c in clients if c.ws.state.name == "OPEN")
    for batch in range(0, len(clients), 100):  # tabs close over a few seconds, not all at once
        await asyncio.gather(*(c.close() for c in clients[batch : batch + 100]))
        await asyncio.sleep(0.2)
    await _connections_gone(timeout=120)

    per_socket_kb = (rss_after - rss_before) / max(1, len(clients) - 10) / 1024
    ctx.results += [
        Result("4 idle sockets", "sockets held", still_open, None, f"≥ {count}",
               still_open >= count, hard=True),
        Result("4 idle sockets", "memory per socket", per_socket_kb, None, "≤ 150 KB",
               per_socket_kb <= 150, unit="KB"),
        Result("4 idle sockets", "CPU while idle", cpu_share * 100, None, "< 10 % of a core",
               cpu_share < 0.10, unit="%"),
    ]  # fmt: skip


async def _crowd_held(
    server,
    crowds: list,
    path: str,
    count: int,
    *,
    hello: bool,
    processes: int,
    window: float,
    settle: float,
) -> tuple[int, float, float]:
    """Open `count` sockets to path on a fresh daphne, adding their crowds to `crowds`: (sockets
    still open after the window, resident memory per socket in bytes, share of a core used over
    the idle window)."""
    url = server.url.replace("http://", "ws://") + path
    daphne = psutil.Process(server.process.pid)
    # A few first, so what the first sockets cost once (connections, caches) is not counted.
    warm = harness.Crowd(url, max(1, count // 100), processes=1, hello=hello)
    crowds.append(warm)
    await warm.open()
    await asyncio.sleep(1)
    rss_before = daphne.memory_info().rss
    crowd = harness.Crowd(url, count - warm.sizes[0], processes=processes, hello=hello)
    crowds.append(crowd)
    await crowd.open()
    await asyncio.sleep(settle)  # the last handshakes' garbage collected
    rss_after = daphne.memory_info().rss
    cpu_before, wall_before = sum(daphne.cpu_times()[:2]), time.monotonic()
    await asyncio.sleep(window)
    cpu_share = (sum(daphne.cpu_times()[:2]) - cpu_before) / (time.monotonic() - wall_before)
    held = sum([await c.still_open() for c in crowds])
    return held, (rss_after - rss_before) / sum(crowd.sizes), cpu_share


async def _crowds_close(crowds) -> None:
    for crowd in crowds:
        await crowd.close()


@scenario("9 10,000 widget pages")
async def widget_pages(ctx: Context) -> None:
    """Open widget pages on one daphne, each holding its widget-status socket, against as many
    bare ASGI sockets (`bench/asgi.py`) on another fresh daphne: memory per socket and CPU while
    idle; then a Sign In and a Sign out, and when each page heard them."""
    count, processes = ctx.size(10_000, 200), ctx.size(4, 2)
    # Two of daphne's 20 s ping rounds: every socket is pinged as often on both sides.
    window, settle = ctx.size(40, 2), ctx.size(3, 1)
    (operator,) = await operators_named(1, "pages")
    widget = await widget_for(operator)
    (key,) = await sync_to_async(session_cookies)([operator], per_operator=1)

    server = ctx.server_start()
    crowds = []
    try:
        ours_held, ours_bytes, ours_cpu = await _crowd_held(
            server, crowds, f"/ws/widget-status/{widget.pk}/", count, hello=True,
            processes=processes, window=window, settle=settle)  # fmt: skip
        dashboard = await DashboardClient(server.url, key).open()
        # A Sign out while signed out flips nothing: the fresh daphne's first request (views,
        # templates, the database pool) is then not counted as part of the first flip.
        await asyncio.to_thread(
            http_post, server.url + "/libchat/sign-out/", session_key=key, data={}
        )
        latencies, lost = [], 0
        for path, online in (("/libchat/sign-in/", True), ("/libchat/sign-out/", False)):
            heard = [await crowd.expect(online, timeout=30) for crowd in crowds]
            started = time.monotonic()
            status = await asyncio.to_thread(http_post, server.url + path, session_key=key, data={})
            assert status == 302, f"{path} answered {status}"
            for arrivals, missing in [await wait() for wait in heard]:
                latencies += [at - started for at in arrivals]
                lost += missing
        await dashboard.close()
    finally:
        await _crowds_close(crowds)
        server.stop()

    server = ctx.server_start()
    crowds = []
    try:
        bare_held, bare_bytes, bare_cpu = await _crowd_held(
            server, crowds, BARE_SOCKET_PATH, count, hello=False, processes=processes,
            window=window, settle=settle)  # fmt: skip
    finally:
        await _crowds_close(crowds)
        server.stop()

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    load = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    name = f"9 {count:,} widget pages"
    ctx.results += [
        Result(name, "sockets held (LibChat, bare)", ours_held, bare_held, f"{count:,} each",
               ours_held == bare_held == count, hard=True),
        Result(name, "resident memory per socket", ours_bytes / 1024, bare_bytes / 1024,
               "ratio ≤ 1.2", ours_bytes <= 1.2 * bare_bytes, unit="KB",
               notes=[f"a fresh daphne for each side; {load}"]),
        Result(name, f"CPU while idle ({window} s)", ours_cpu * 100, bare_cpu * 100,
               "ratio ≤ 1.2", ours_cpu <= 1.2 * bare_cpu, unit="%"),
        Result(name, "p50 Sign In / Sign out → each page", p50 * 1000, None, "—", True,
               unit="ms"),
        Result(name, "p99 Sign In / Sign out → each page", p99 * 1000, None, "< 2000 ms",
               p99 < 2.0, unit="ms"),
        Result(name, "pages that never heard a flip", lost, None, "0", lost == 0, hard=True),
    ]  # fmt: skip
