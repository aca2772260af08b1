from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "中国脑血管病登记平台 · 审核后台"
admin.site.site_title = "审核后台"
admin.site.index_title = "审核管理"

urlpatterns = [
    path("", views.welcome, name="welcome"),
    path("help/menus/", views.help_page, {"page": "menus"}, name="help_menus"),
    path("help/filling/", views.help_page, {"page": "filling"}, name="help_filling"),
    path("help/manual/", views.help_page, {"page": "manual"}, name="help_manual"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("institutions/", include("institutions.urls")),
    path("registry/", include("surveys.urls")),
    path("captcha/", include("captcha.urls")),
    path("admin/", admin.site.urls),
]
