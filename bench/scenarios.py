"""The scenarios. Each measures LibChat and, where there is one, its reference in the same run."""

import asyncio
import time

import psutil
from asgiref.sync import sync_to_async

from bench.harness import (
    Context,
    DashboardClient,
    Result,
    WidgetListener,
    database_transactions,
    http_load,
    http_post,
    open_clients,
    percentile,
    scenario,
    session_cookies,
)


@sync_to_async
def _operators(count: int, prefix: str):
    from accounts.models import Operator

    existing = list(Operator.objects.filter(username__startswith=prefix).order_by("pk")[:count])
    new = [
        Operator(username=f"{prefix}{i}", display_name=f"Bench {prefix}{i}")
        for i in range(len(existing), count)
    ]
    Operator.objects.bulk_create(new)
    return list(Operator.objects.filter(username__startswith=prefix).order_by("pk")[:count])


async def _connections_gone(timeout: float = 60) -> None:
    """Wait until the server has handled every close, so the next scenario measures alone."""
    from accounts.models import DashboardConnection

    count = sync_to_async(DashboardConnection.objects.count)
    deadline = time.monotonic() + timeout
    while await count() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


@scenario("4 idle dashboard sockets")
async def idle_sockets(ctx: Context) -> None:
    """Idle dashboard tabs held by one daphne: memory per socket and CPU while idle."""
    count = ctx.size(1500, 100)
    window = ctx.size(45, 5)  # the full window spans two 20 s heartbeat rounds
    operators = await _operators(50, "idle")
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
    await asyncio.gather(*(c.close() for c in clients))
    await _connections_gone()

    per_socket_kb = (rss_after - rss_before) / max(1, len(clients) - 10) / 1024
    ctx.results += [
        Result("4 idle sockets", "sockets held", still_open, None, f"≥ {count}",
               still_open >= count, hard=True),
        Result("4 idle sockets", "memory per socket", per_socket_kb, None, "≤ 150 KB",
               per_socket_kb <= 150, unit="KB"),
        Result("4 idle sockets", "CPU while idle", cpu_share * 100, None, "< 10 % of a core",
               cpu_share < 0.10, unit="%"),
    ]  # fmt: skip


@sync_to_async
def _widget_for(operator):
    from widgets.services import widget_create

    return widget_create(
        name=f"Bench widget {operator.pk}",
        allowed_origins=["http://127.0.0.1:8001"],
        first_choice=operator,
    )


async def _queries_during(work) -> tuple[object, int | None]:
    """Run work() and count the database's transactions meanwhile, less our own reads."""
    read = sync_to_async(database_transactions)
    start = await read()
    if start is None:
        return await work(), None
    await asyncio.sleep(1.2)
    idle = await read() - start  # what reading the counter costs by itself
    before = await read()
    result = await work()
    await asyncio.sleep(1.2)  # statistics reach pg_stat_database within a second
    return result, max(0, await read() - before - idle)


@scenario("1 widget status endpoint")
async def status_endpoint(ctx: Context) -> None:
    """Public widget status vs a static JSON file served by the same daphne process."""
    seconds = ctx.size(15, 2)
    (operator,) = await _operators(1, "status")
    widget = await _widget_for(operator)
    ours_url = f"{ctx.server.url}/api/1.0/chat/widgets/status/{widget.pk}"
    reference_url = f"{ctx.server.url}/static/bench/reference-status.json"
    await http_load(ours_url, seconds=0.5, connections=2)  # warm the cache and the process

    started = time.monotonic()
    (ours_ok, ours_failed), queries = await _queries_during(
        lambda: http_load(ours_url, seconds=seconds)
    )
    ours_rps = ours_ok / (time.monotonic() - started - (2.4 if queries is not None else 0))
    started = time.monotonic()
    ref_ok, ref_failed = await http_load(reference_url, seconds=seconds)
    ref_rps = ref_ok / (time.monotonic() - started)

    ratio = ours_rps / ref_rps
    per_request = None if queries is None else queries / max(1, ours_ok)
    ctx.results += [
        Result("1 status endpoint", "throughput", ours_rps, ref_rps, "ratio ≥ 0.8",
               ratio >= 0.8, unit="req/s"),
        Result("1 status endpoint", "failed requests", ours_failed + ref_failed, None, "0",
               ours_failed + ref_failed == 0, hard=True),
        Result("1 status endpoint", "DB queries per request", per_request, None, "0",
               per_request == 0 if per_request is not None else True, hard=True,
               notes=[] if per_request is not None else ["counted on PostgreSQL only"]),
    ]  # fmt: skip


@scenario("6 status change reaches a widget")
async def status_push(ctx: Context) -> None:
    """From an operator's Sign In / Sign out request to the open widget page hearing the flip."""
    flips = ctx.size(60, 6)
    (operator,) = await _operators(1, "push")
    widget = await _widget_for(operator)
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
