from django.urls import path

from faqs import views

app_name = "faqs"
urlpatterns = [path("search/", views.search, name="search")]
