"""The scenarios. Each measures LibChat and, where there is one, its reference in the same run."""

import asyncio
import time

import psutil
from asgiref.sync import sync_to_async

from bench.harness import Context, Result, open_clients, scenario, session_cookies


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

    per_socket_kb = (rss_after - rss_before) / max(1, len(clients) - 10) / 1024
    ctx.results += [
        Result("4 idle sockets", "sockets held", still_open, None, f"≥ {count}",
               still_open >= count, hard=True),
        Result("4 idle sockets", "memory per socket", per_socket_kb, None, "≤ 150 KB",
               per_socket_kb <= 150, unit="KB"),
        Result("4 idle sockets", "CPU while idle", cpu_share * 100, None, "< 10 % of a core",
               cpu_share < 0.10, unit="%"),
    ]  # fmt: skip
