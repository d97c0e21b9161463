"""The demo widget and the demo library page that `make run` serves on a second origin."""

import socket
from pathlib import Path

from django.template.loader import render_to_string

from departments.models import Department
from widgets import selectors, services
from widgets.models import Widget, WidgetFallback

DEMO_WIDGET_NAME = "Demo library site"
DEMO_PORT = 8001
DEMO_ORIGINS = [f"http://127.0.0.1:{DEMO_PORT}", f"http://localhost:{DEMO_PORT}"]
# Said on the demo library page and in the demo FAQ that operators share: one text, so they agree.
DEMO_OPENING_HOURS = "Monday to Friday 8 am to 9 pm, weekends 10 am to 6 pm."


def demo_widget_ensure(*, first_choice: Department, fallback: Department) -> Widget:
    """The demo widget, created once: Reference first, then Circulation."""
    widget = Widget.objects.filter(name=DEMO_WIDGET_NAME).first()
    if widget is not None:
        return widget
    return services.widget_create(
        name=DEMO_WIDGET_NAME,
        allowed_origins=DEMO_ORIGINS,
        first_choice=first_choice,
        fallbacks=[fallback],
        kind=Widget.Kind.FLOATING,
        title="Ask a Librarian",
    )


def demo_widget_coop_fallback_ensure(*, widget: Widget, coop) -> None:
    """The co-op queue as the demo widget's last fallback, added once. Written as the admin's
    Who monitors inline writes a co-op fallback (the service takes operators and departments)."""
    fallbacks = list(widget.fallbacks.all())
    if any(f.coop_id == coop.pk for f in fallbacks):
        return
    position = max((f.position for f in fallbacks), default=0) + 1
    WidgetFallback.objects.create(widget=widget, position=position, coop=coop)


def demo_page_write(*, directory: Path, base_url: str) -> Path | None:
    """Render the demo library page embedding the demo widget; None without the demo widget."""
    widget = Widget.objects.filter(name=DEMO_WIDGET_NAME).first()
    if widget is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "index.html"
    snippet = selectors.widget_embed_snippet(widget=widget, base_url=base_url)
    context = {
        "snippet": snippet,
        "opening_hours": DEMO_OPENING_HOURS,
        "libchat_origin": base_url.rstrip("/"),
    }
    page.write_text(render_to_string("widgets/demo_library.html", context))
    (directory / "library.css").write_text(render_to_string("widgets/demo_library.css"))
    return page


def port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
