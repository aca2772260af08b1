from captcha import views as captcha_views
from django.contrib import admin
from django.urls import include, path, re_path

from accounts.views.login import admin_login
from casesets import report_urls as report_page_urls
from surveys import urls as survey_urls

from . import views
from .ratelimit import rate_limited

admin.site.site_header = "中国脑血管病登记平台 · 审核后台"
admin.site.site_title = "审核后台"
admin.site.index_title = "审核管理"

urlpatterns = [
    path("", views.welcome, name="welcome"),
    path("help/menus/", views.help_page, {"page": "menus"}, name="help_menus"),
    path("help/filling/", views.help_page, {"page": "filling"}, name="help_filling"),
    path("help/manual/", views.help_page, {"page": "manual"}, name="help_manual"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's, say).
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("institutions/", include("institutions.urls")),
    # 脑血管病登记 and the annual reports, one namespace `surveys` from two lists: the pages
    # that show the cases (home, 查看详情, 用个案汇总填充) are casesets', above surveys.
    path(
        "registry/",
        include((survey_urls.urlpatterns + report_page_urls.urlpatterns, "surveys")),
    ),
    # 个案登记 (issue 6): the pages of one case, /registry/reports/<pk>/cases/<kind>/…
    path("registry/", include("casesets.urls")),
    # 模板下载及数据上传 (issue 7): /registry/templates.zip, upload/1|2|3/, reports/<pk>/imports/…
    path("registry/", include("excel_templates.urls")),
    path("binding/", include("binding.urls")),
    # 质控报告 (issue 23 item 2): the hospital's indicators beside its province and the nation.
    path("quality/", include("quality.urls")),
    # django-simple-captcha's views, each limited per address (drawing images costs CPU).
    re_path(
        r"^captcha/image/(?P<key>\w+)/$",
        rate_limited("captcha")(captcha_views.captcha_image),
        {"scale": 1},
        name="captcha-image",
    ),
    re_path(
        r"^captcha/image/(?P<key>\w+)@2/$",
        rate_limited("captcha")(captcha_views.captcha_image),
        {"scale": 2},
        name="captcha-image-2x",
    ),
    re_path(
        r"^captcha/audio/(?P<key>\w+).wav$",
        rate_limited("captcha")(captcha_views.captcha_audio),
        name="captcha-audio",
    ),
    re_path(
        r"^captcha/refresh/$",
        rate_limited("captcha", json=True)(captcha_views.captcha_refresh),
        name="captcha-refresh",
    ),
    # The admin's own login form would sign in on the password alone: 账号登录 and its
    # second factor instead (issue 9).
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

# The platform's 400 page (JSON for fetch() calls), e.g. for the input guard's refusals.
handler400 = "registry.views.bad_request"
