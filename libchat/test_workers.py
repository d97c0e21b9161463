"""Each pytest-xdist worker gets a Redis database and a var/ folder of its own.

Loaded with `-p libchat.test_workers` (pyproject's addopts), so it runs before pytest-django
reads the settings: the environment it sets is what the settings, and every daphne or Celery
process a test starts, see. It lives in this package, not in tests/, because `-p` imports it
before pytest puts the project folder on sys.path. Without xdist (`PYTEST_XDIST_WORKER` unset)
it changes nothing.

- Production mode (REDIS_URL set): worker N uses the database after the configured one plus N
  (CI's `redis://…/5` gives workers 0 and 1 the databases 5 and 6), because every test flushes
  its database first. PostgreSQL needs nothing: pytest-django names a test database per worker.
- Embedded mode (nothing set): worker N keeps its SQLite files, its bundled Redis server and its
  logs under var/xdist-gwN/, so two workers never share a socket or a database file.
"""

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_index() -> int | None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return None
    return int(worker.removeprefix("gw"))


def redis_url_for_worker(url: str, index: int) -> str:
    """The same server, database `db + index` (a URL without a database means db 0)."""
    match = re.fullmatch(r"(rediss?://[^/?#]*)(?:/(\d*))?(\?.*)?", url)
    if match is None:
        raise ValueError(f"REDIS_URL {url!r} is not a redis:// URL the test workers can split")
    base, db, query = match.group(1), int(match.group(2) or 0), match.group(3) or ""
    if db + index > 15:
        raise ValueError(f"REDIS_URL {url!r}: worker {index} needs Redis database {db + index}")
    return f"{base}/{db + index}{query}"


def _set_up() -> None:
    index = worker_index()
    if index is None:
        return
    if "REDIS_URL" in os.environ:
        os.environ["REDIS_URL"] = redis_url_for_worker(os.environ["REDIS_URL"], index)
    else:
        var_dir = Path(os.environ.get("LIBCHAT_VAR_DIR", ROOT / "var")) / f"xdist-gw{index}"
        os.environ["LIBCHAT_VAR_DIR"] = str(var_dir)


_set_up()
