from django.urls import path

from widgets import views

app_name = "widgets"

urlpatterns = [
    path("api/1.0/chat/widgets/status/<int:widget_id>", views.status, name="status"),
    path("widget/<int:widget_id>/embed.js", views.embed, name="embed"),
    path("widget/<int:widget_id>/", views.frame, name="frame"),
]
