from django.urls import path

from chats import views

app_name = "chats"

urlpatterns = [
    path("widget/<int:widget_id>/chat/", views.chat_start, name="start"),
    path("widget/<int:widget_id>/ticket/", views.ticket_create, name="ticket"),
    path("widget/files/<str:key>/", views.chat_file, name="file"),
    path("dashboard/chats/<int:chat_id>/files/", views.chat_file_send, name="file_send"),
    path("dashboard/chats/<int:chat_id>/block/", views.patron_block, name="block"),
    path("dashboard/transcripts/", views.transcripts, name="transcripts"),
    path("dashboard/transcripts/export.csv", views.transcripts_export, name="transcripts_export"),
    path("dashboard/transcripts/<int:chat_id>/", views.transcript, name="transcript"),
    path(
        "dashboard/transcripts/<int:chat_id>/text/", views.transcript_text, name="transcript_text"
    ),
    path(
        "dashboard/transcripts/<int:chat_id>/email/",
        views.transcript_email,
        name="transcript_email",
    ),
    path("dashboard/chats/<int:chat_id>/tags/", views.chat_tags, name="tags"),
    path("dashboard/chats/<int:chat_id>/follow-up/", views.chat_follow_up, name="follow_up"),
    path("chats/<int:chat_id>/record/", views.patron_record, name="patron_record"),
    path("dashboard/tickets/", views.tickets, name="tickets"),
    path("dashboard/tickets/open/", views.tickets_open, name="tickets_open"),
    path("dashboard/tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("dashboard/tickets/<int:ticket_id>/replies/", views.ticket_reply, name="ticket_reply"),
    path(
        "dashboard/tickets/<int:ticket_id>/replies/<int:reply_id>/retry/",
        views.ticket_reply_retry,
        name="ticket_reply_retry",
    ),
    path(
        "dashboard/tickets/<int:ticket_id>/answered/",
        views.ticket_answered,
        name="ticket_answered",
    ),
]
