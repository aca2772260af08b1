"""The report pages that show the cases (``report_views``): the registry home, 查看详情 and
用个案汇总填充. They are report pages, so ``registry/urls.py`` names them in the ``surveys``
namespace together with ``surveys.urls`` (``surveys:home``, ``surveys:report_detail``,
``surveys:report_fill_from_cases``); this module has no ``app_name`` of its own."""

from django.urls import path

from . import report_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("reports/<uuid:report_id>/", report_views.detail, name="report_detail"),
    path(
        "reports/<uuid:report_id>/fill-from-cases/",
        report_views.fill_from_cases,
        name="report_fill_from_cases",
    ),
]
