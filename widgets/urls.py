from django.urls import path, register_converter

from widgets import views


class StatusIdConverter:
    """At most 18 digits, as the status fast path reads them: a longer id names no widget, so
    every method (the CORS preflight too) finds no route."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(StatusIdConverter, "status_id")

app_name = "widgets"

urlpatterns = [
    path("api/1.0/chat/widgets/status/<status_id:widget_id>", views.status, name="status"),
    # The paths of Springshare's LibChat, for pages written for it.
    path("1.0/chat/widgets/status/<status_id:widget_id>", views.status, name="status_libchat"),
    path("load_chat.php", views.load_chat, name="load_chat"),
    path("chati.php", views.chati, name="chati"),
    path("widget/<int:widget_id>/embed.js", views.embed, name="embed"),
    path("widget/<int:widget_id>/", views.frame, name="frame"),
    path("widget/<int:widget_id>/logo", views.logo, name="logo"),
    path("widget/texts/<str:language>.js", views.catalog, name="catalog"),
]
