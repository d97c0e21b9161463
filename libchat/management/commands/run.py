"""`manage.py run`: the whole service in one command (what `make run` calls).

Starts the embedded Redis when REDIS_URL is not set, migrates, loads the demo data once, then runs
daphne, a Celery worker, Celery beat and a static server for the demo library page (a second
origin embedding the demo widget) together until Ctrl+C, which stops all of them.
"""

import os
import sys

from django.conf import settings
from django.core.management import BaseCommand, call_command
from honcho.manager import Manager
from honcho.printer import Printer

from libchat.embedded import redis_start, redis_stop
from widgets.demo import DEMO_PORT, demo_page_write, port_free


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
            demo_dir = settings.VAR_DIR / "demo"
            demo_page = not no_demo and demo_page_write(
                directory=demo_dir, base_url=f"http://{host}:{port}"
            )
            self.stdout.write(self.style.SUCCESS(f"\nLibChat is starting on http://{host}:{port}/"))
            self.stdout.write(f"  Admin: http://{host}:{port}/admin/   Health: /healthz")
            mode = "embedded (SQLite + bundled Redis)" if settings.REDIS_EMBEDDED else "production"
            if demo_page and port_free(host, DEMO_PORT):
                self.stdout.write(f"  Demo library page with a widget: http://{host}:{DEMO_PORT}/")
            elif demo_page:
                self.stdout.write(f"  Port {DEMO_PORT} is busy: no demo library page this time.")
                demo_page = None
            self.stdout.write(f"  Mode: {mode}. Press Ctrl+C to stop.\n")
            sys.stdout.flush()
            manager = Manager(Printer(sys.stdout))
            python = sys.executable
            env = {**os.environ, "PYTHONUNBUFFERED": "1"}
            proxy = " --proxy-headers" if settings.LIBCHAT_PROXY_HEADERS else ""
            manager.add_process(
                "web",
                f"{python} -m libchat.serve{proxy} -b {host} -p {port} libchat.asgi:application",
                env=env,
            )
            manager.add_process(
                "worker", f"{python} -m celery -A libchat worker -l warning -c 2", env=env
            )
            manager.add_process("beat", f"{python} -m celery -A libchat beat -l warning", env=env)
            if demo_page:
                manager.add_process(
                    "demo",
                    f"{python} -m http.server {DEMO_PORT} --bind {host} --directory {demo_dir}",
                    env=env,
                )
            manager.loop()
        finally:
            if redis is not None:
                redis_stop(redis)
        sys.exit(manager.returncode)
