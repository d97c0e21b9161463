"""Processes under test: a real daphne serving LibChat on the test database and Redis."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent


def database_url() -> str:
    from django.db import connection

    params = connection.settings_dict
    if params["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{params['NAME']}"
    user = quote(params["USER"] or "")
    password = f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
    host = params["HOST"] or "localhost"
    port = f":{params['PORT']}" if params["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{params['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment for a process under test: without the browser tests' async override."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Process:
    """A LibChat process on the test database and Redis, its output in a log under var/."""

    def __init__(self, command: list[str], log_name: str, extra_env: dict | None = None):
        from django.conf import settings

        env = subprocess_env(
            **{
                "DATABASE_URL": database_url(),
                "REDIS_URL": settings.REDIS_URL,
                "DEBUG": "true",
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                **(extra_env or {}),
            }
        )
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.log = open(settings.VAR_DIR / log_name, "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )

    def stop(self) -> None:
        # A test's pages may still hold sockets open, which daphne would wait out for its whole
        # application close timeout (10 s) on every test; a test server has nothing to save.
        self.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        self.kill()  # when still running: killing a process that has exited does nothing

    def kill(self) -> None:
        """Stop at once, nothing saved or closed first: for a server whose test is over."""
        self.process.kill()
        self.process.wait()
        self.log.close()


class Server(_Process):
    """daphne serving LibChat (as `libchat.serve` runs it); ready when its port accepts
    connections."""

    def __init__(
        self,
        extra_env: dict | None = None,
        daphne_args: tuple[str, ...] = (),
        app: str = "libchat.asgi:application",
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "libchat.serve", *daphne_args, "-b", "127.0.0.1",
                   "-p", str(self.port), app]  # fmt: skip
        super().__init__(command, f"daphne-{self.port}.log", extra_env)
        self._wait()

    def _wait(self, timeout: float = 90) -> None:  # a loaded machine: Django takes a while
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: {Path(self.log.name).read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("daphne did not start")


class Celery(_Process):
    """A Celery worker or beat process."""

    def __init__(self, role: str, extra_env: dict | None = None):
        from django.conf import settings

        command = [sys.executable, "-m", "celery", "-A", "libchat", role, "-l", "info"]
        if role == "worker":
            command += ["--pool", "solo", "--without-gossip", "--without-mingle"]
        else:
            command += ["--schedule", str(settings.VAR_DIR / f"celerybeat-test-{os.getpid()}")]
        super().__init__(command, f"celery-{role}-{os.getpid()}.log", extra_env)
