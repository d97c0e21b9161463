from django.urls import path

from internalchat import views

app_name = "internalchat"
urlpatterns = [
    path("", views.internal_tab, name="tab"),
    path("rooms/<int:room_id>/history/", views.room_history, name="history"),
    path("rooms/<int:room_id>/files/", views.room_file_send, name="file_send"),
    path("files/<int:attachment_id>/", views.attachment_download, name="file"),
    path("rooms/<int:room_id>/mentionable/", views.room_mentionable, name="mentionable"),
    path("search/", views.message_search, name="search"),
    path("mentions/", views.mention_list, name="mentions"),
    path("direct/<int:operator_id>/", views.direct_room_open, name="direct"),
]
