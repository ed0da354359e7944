from django.contrib.auth import views as auth_views
from django.urls import path

from lianqin.console import media_views, routing_views, stream_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="console/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("events/", stream_views.events, name="events"),
    path("media/photos/<path:name>", media_views.photo, name="photo"),
    path("routing/", routing_views.routing_tester, name="routing-tester"),
]
