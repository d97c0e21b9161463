"""`manage.py run`: the whole service in one command (what `make run` calls).

Starts the embedded Redis when REDIS_URL is not set, migrates, loads the demo data once, then runs
daphne, a Celery worker and Celery beat together until Ctrl+C, which stops all of them.
"""

import os
import sys

from django.conf import settings
from django.core.management import BaseCommand, call_command
from honcho.manager import Manager
from honcho.printer import Printer

from libchat.embedded import redis_start, redis_stop


class Command(BaseCommand):
    help = "Run LibChat: web and WebSockets (daphne), Celery worker and beat."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, host, port, no_demo, **options):
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        redis = redis_start(settings.EMBEDDED_REDIS_SOCKET) if settings.REDIS_EMBEDDED else None
        try:
            call_command("migrate", interactive=False, verbosity=0)
            if not no_demo:
                call_command("demo_data", quiet_if_present=True)
            self.stdout.write(self.style.SUCCESS(f"\nLibChat is starting on http://{host}:{port}/"))
            self.stdout.write(f"  Admin: http://{host}:{port}/admin/   Health: /healthz")
            mode = "embedded (SQLite + bundled Redis)" if settings.REDIS_EMBEDDED else "production"
            self.stdout.write(f"  Mode: {mode}. Press Ctrl+C to stop.\n")
            sys.stdout.flush()
            manager = Manager(Printer(sys.stdout))
            python = sys.executable
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            manager.add_process(
                "web", f"{python} -m daphne -b {host} -p {port} libchat.asgi:application", env=env
            )
            manager.add_process(
                "worker", f"{python} -m celery -A libchat worker -l warning -c 2", env=env
            )
            manager.add_process("beat", f"{python} -m celery -A libchat beat -l warning", env=env)
            manager.loop()
        finally:
            if redis is not None:
                redis_stop(redis)
        sys.exit(manager.returncode)
