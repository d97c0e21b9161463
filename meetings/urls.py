from django.urls import path

from meetings import views

app_name = "meetings"
urlpatterns = [
    path("start/", views.start, name="start"),
    path("<int:meeting_id>/", views.room, name="room"),
    path("<int:meeting_id>/invite/", views.invite, name="invite"),
    path("join/<str:token>/", views.join, name="join"),
]
