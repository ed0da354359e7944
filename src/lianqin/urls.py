"""URL map: the admin, the API (with its OpenAPI docs at /api/docs) and the console."""

from django.contrib import admin
from django.urls import include, path

from lianqin.accounts.forms import AdminLoginForm
from lianqin.api.app import api

admin.site.site_header = "联勤指挥平台 · 管理后台"
admin.site.site_title = "联勤"
admin.site.index_title = "区联勤指挥中心"
admin.site.login_form = AdminLoginForm  # lockout and the second factor for the admin too
admin.site.login_template = "accounts/admin_login.html"  # with the code's field

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("open311/v2/", include("lianqin.api.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("public/", include("lianqin.public.urls")),
    path("field/", include("lianqin.field.urls")),
    path("duty/", include("lianqin.duty.urls")),
    path("dashboard/", include("lianqin.dashboard.urls")),
    path("", include("lianqin.accounts.urls")),
    path("", include("lianqin.console.urls")),
]
