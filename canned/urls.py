from django.urls import path

from canned import views

app_name = "canned"
urlpatterns = [
    path("canned/", views.replies, name="replies"),
    path("settings/canned/", views.personal, name="personal"),
    path("settings/canned/<int:reply_id>/", views.personal_edit, name="edit"),
    path("settings/canned/<int:reply_id>/delete/", views.personal_delete, name="delete"),
]
