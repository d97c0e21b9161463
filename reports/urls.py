from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_tab, name="tab"),
    path("data/", views.report_data, name="data"),
]
