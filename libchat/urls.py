from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views
from libchat import views

dashboard_patterns = (
    [
        path("", views.chats, name="chats"),
        path("settings/", views.settings_tab, name="settings"),
    ],
    "dashboard",
)

libchat_patterns = (
    [
        path("sign-in/", account_views.sign_in, name="sign_in"),
        path("go/", account_views.go_chat, name="go_chat"),
        path("status/", account_views.status_set, name="status"),
        path("sign-out/", account_views.sign_out, name="sign_out"),
    ],
    "libchat",
)

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="dashboard:chats", permanent=False)),
    path("dashboard/", include(dashboard_patterns)),
    path("dashboard/", include("canned.urls")),
    path("libchat/", include(libchat_patterns)),
    path("dashboard/internal/", include("internalchat.urls")),
    path("dashboard/reports/", include("reports.urls")),
    path("faqs/", include("faqs.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("meetings/", include("meetings.urls")),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("api/openapi.json", views.openapi, name="openapi"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("widgets.urls")),
    path("", include("chats.urls")),
]
