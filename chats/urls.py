from django.urls import path

from chats import views

app_name = "chats"

urlpatterns = [
    path("widget/<int:widget_id>/chat/", views.chat_start, name="start"),
]
