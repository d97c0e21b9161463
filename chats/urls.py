from django.urls import path

from chats import views

app_name = "chats"

urlpatterns = [
    path("widget/<int:widget_id>/chat/", views.chat_start, name="start"),
    path("widget/<int:widget_id>/ticket/", views.ticket_create, name="ticket"),
    path("dashboard/transcripts/", views.transcripts, name="transcripts"),
    path("dashboard/transcripts/<int:chat_id>/", views.transcript, name="transcript"),
    path("dashboard/tickets/", views.tickets, name="tickets"),
    path(
        "dashboard/tickets/<int:ticket_id>/answered/",
        views.ticket_answered,
        name="ticket_answered",
    ),
]
