"""Test processes side by side never share a Redis database or a var/ folder."""

import os
import subprocess
import sys

import pytest

from libchat.test_workers import ROOT, redis_url_for_worker


@pytest.mark.parametrize(
    ("url", "index", "expected"),
    [
        ("redis://127.0.0.1:6379/5", 0, "redis://127.0.0.1:6379/5"),
        ("redis://127.0.0.1:6379/5", 1, "redis://127.0.0.1:6379/6"),
        ("redis://127.0.0.1:6379", 2, "redis://127.0.0.1:6379/2"),
        ("rediss://:secret@cache.example:6380/3?ssl_cert_reqs=none", 1,
         "rediss://:secret@cache.example:6380/4?ssl_cert_reqs=none"),
    ],
)  # fmt: skip
def test_each_worker_takes_the_database_after_the_configured_one(url, index, expected):
    assert redis_url_for_worker(url, index) == expected


def test_a_worker_past_redis_database_15_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="needs Redis database 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", 1)


def _settings_seen_by(worker: str | None, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "LIBCHAT_VAR_DIR")}
    environ.pop("PYTEST_XDIST_WORKER", None)
    if worker:
        environ["PYTEST_XDIST_WORKER"] = worker
    code = (
        "import libchat.test_workers, django; from django.conf import settings;"
        "print(settings.REDIS_URL); print(settings.VAR_DIR)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
        env={**environ, "DJANGO_SETTINGS_MODULE": "libchat.settings", **env},
    )  # fmt: skip
    return result.stdout.split()


def test_settings_follow_the_worker_in_both_run_modes():
    production = {"REDIS_URL": "redis://127.0.0.1:6379/5"}
    assert _settings_seen_by("gw1", **production)[0] == "redis://127.0.0.1:6379/6"
    assert _settings_seen_by(None, **production)[0] == "redis://127.0.0.1:6379/5"
    # Embedded: each worker has its own var/ folder, so its own Redis socket and SQLite files.
    redis_url, var_dir = _settings_seen_by("gw1")
    assert var_dir == str(ROOT / "var" / "xdist-gw1")
    assert redis_url == f"unix://{ROOT / 'var' / 'xdist-gw1' / 'redis.sock'}"
    assert _settings_seen_by(None)[1] == str(ROOT / "var")
