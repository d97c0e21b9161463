"""Run the benchmarks: `python -m bench.run [--quick] [--only NAME]`, or the soak (`bench/soak.py`):
`python -m bench.run --soak [--soak-minutes N]`.

Starts LibChat (daphne, production settings) on its own database and Redis database, runs each
scenario against it and against its reference, prints a table and writes JSON. Load generators
are bounded in count and time and talk only to 127.0.0.1.
"""

import argparse
import asyncio
import datetime
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench-only-secret-key-never-used-by-a-site-" + "x" * 30


def configure_environment() -> None:
    """Point Django at the bench's own database and Redis db, never the suite's or the site's."""
    database_url = os.environ.get("DATABASE_URL")
    if database_url:
        parts = urlsplit(database_url)
        name = parts.path.lstrip("/") or "libchat"
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}_bench"))
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"
    # The bench flushes its Redis db, so by default it takes db 9 of the given server. Where
    # db 9 is someone else's (several checkouts sharing one Redis), BENCH_REDIS_URL names the db
    # to use instead: a shared one loses group members to the other side's flushes.
    redis_url = os.environ.get("REDIS_URL")
    if os.environ.get("BENCH_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]
    elif redis_url and redis_url.startswith("redis://"):
        os.environ["REDIS_URL"] = urlunsplit(urlsplit(redis_url)._replace(path="/9"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "libchat.settings")
    # Sessions the bench writes are signed with this key; the server must share it.
    os.environ["SECRET_KEY"] = BENCH_SECRET_KEY


def create_postgres_database() -> None:
    import psycopg
    from django.conf import settings

    params = settings.DATABASES["default"]
    if not params["ENGINE"].endswith("postgresql"):
        return
    conninfo = {
        "host": params["HOST"] or "localhost",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**{k: v for k, v in conninfo.items() if v}, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{params["NAME"]}"')


# Production settings over plain HTTP on 127.0.0.1, for daphne and the soak's Celery processes.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "CSRF_COOKIE_SECURE": "false",
    "LOG_LEVEL": "WARNING",
}


def server_start(**extra_env: str):
    """A daphne serving LibChat with production settings, plus the bare references."""
    from tests.processes import Server

    return Server(
        extra_env={**PRODUCTION_ENV, **extra_env},
        app="bench.asgi:application",  # LibChat, plus the bare references of scenarios 1 and 9
    )


def soak_run(minutes: float) -> tuple[list, dict]:
    """The soak (`bench/soak.py`) on its own daphne, Celery worker and beat."""
    from bench import harness, soak
    from tests.processes import Celery

    # Every patron of the soak comes from 127.0.0.1: the per-address limit on starting chats
    # (10 in 10 minutes) would refuse the third minute's.
    server = server_start(LIBCHAT_CHAT_STARTS_PER_IP="100000")
    worker = beat = None
    try:
        worker, beat = Celery("worker", PRODUCTION_ENV), Celery("beat", PRODUCTION_ENV)
        context = harness.Context(quick=False, server=server)
        print(f"· soak, {minutes:g} min (logs: {server.log.name}, {worker.log.name}, "
              f"{beat.log.name})", flush=True)  # fmt: skip
        extra = asyncio.run(soak.run(context, minutes=minutes, worker=worker, beat=beat))
    finally:
        for process in (beat, worker, server):
            if process is not None:
                process.stop()
    return context.results, extra


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes, about a minute (part of make test)"
    )
    parser.add_argument("--only", action="append", help="run only scenarios with this prefix")
    parser.add_argument(
        "--soak",
        action="store_true",
        help="instead of the scenarios, the soak with a Celery worker and beat (make bench-soak)",
    )
    parser.add_argument(
        "--soak-minutes", type=float, default=30, help="the soak's length (default 30)"
    )
    args = parser.parse_args()

    configure_environment()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    from bench import harness, scenarios  # noqa: F401  (registers the scenarios)
    from libchat.embedded import redis_start, redis_stop

    redis = redis_start(settings.EMBEDDED_REDIS_SOCKET) if settings.REDIS_EMBEDDED else None
    try:
        create_postgres_database()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("flush", interactive=False, verbosity=0)  # every run starts from nothing
        cache._cache.get_client(write=True).flushdb()
        if args.soak:
            return soak_report(args.soak_minutes, *soak_run(args.soak_minutes))
        server = server_start()
        context = harness.Context(quick=args.quick, server=server, server_start=server_start)
        started = time.monotonic()
        try:
            for name, run in harness.SCENARIOS:
                if args.only and not any(name.startswith(p) for p in args.only):
                    continue
                print(f"· {name} …", end=" ", flush=True)
                began = time.monotonic()
                asyncio.run(run(context))
                print(f"{time.monotonic() - began:.0f} s", flush=True)
        finally:
            server.stop()
    finally:
        if redis is not None:
            redis_stop(redis)

    print()
    print(harness.table(context.results))
    meta = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "make bench-quick" if args.quick else "make bench",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "seconds": round(time.monotonic() - started, 1),
        "machine": harness.machine(),
    }
    # Only a full run replaces the committed figures.
    partial_run = args.quick or args.only
    out = ROOT / ("var/bench-partial.json" if partial_run else "bench/results.json")
    harness.write_json(out, context.results, meta)
    print(f"\nwritten to {out.relative_to(ROOT)}")
    broken = [r for r in context.results if r.hard and not r.passed]
    for r in broken:
        print(f"correctness failure: {r.scenario}: {r.metric} = {r.ours} ({r.goal})")
    return 1 if broken else 0


def soak_report(minutes: float, results: list, extra: dict) -> int:
    from django.conf import settings

    from bench import harness

    print()
    print(harness.table(results))
    meta = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": f"make bench-soak (--soak-minutes {minutes:g})",
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "machine": harness.machine(),
        **extra,
    }
    # Only a full-length soak replaces the committed figures.
    out = ROOT / ("bench/soak-results.json" if minutes >= 30 else "var/bench-soak-partial.json")
    harness.write_json(out, results, meta)
    print(f"\nwritten to {out.relative_to(ROOT)}")
    broken = [r for r in results if r.hard and not r.passed]
    for r in broken:
        print(f"correctness failure: {r.scenario}: {r.metric} = {r.ours} ({r.goal})")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
