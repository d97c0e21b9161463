from django.urls import path

from widgets import views

app_name = "widgets"

urlpatterns = [
    path("api/1.0/chat/widgets/status/<int:widget_id>", views.status, name="status"),
    # The paths of Springshare's LibChat, for pages written for it.
    path("1.0/chat/widgets/status/<int:widget_id>", views.status, name="status_libchat"),
    path("load_chat.php", views.load_chat, name="load_chat"),
    path("chati.php", views.chati, name="chati"),
    path("widget/<int:widget_id>/embed.js", views.embed, name="embed"),
    path("widget/<int:widget_id>/", views.frame, name="frame"),
]
