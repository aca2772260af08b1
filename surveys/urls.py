from django.urls import path

from .views import attachment4, basic_info, reports

app_name = "surveys"

urlpatterns = [
    path("", reports.home, name="home"),
    path("basic-info/", basic_info.basic_info, name="basic_info"),
    path("basic-info/history/", basic_info.basic_info_history, name="basic_info_history"),
    path("reports/open/", reports.open_report, name="open_report"),
    path("reports/<int:pk>/", reports.detail, name="report_detail"),
    path("reports/<int:pk>/survey/", reports.edit_survey, name="report_survey"),
    path("reports/<int:pk>/history/", reports.history, name="report_history"),
    path(
        "reports/<int:pk>/fill-from-cases/",
        reports.fill_from_cases,
        name="report_fill_from_cases",
    ),
    path("reports/<int:pk>/submit/", reports.submit, name="report_submit"),
    path("reports/<int:pk>/delete/", reports.delete, name="report_delete"),
    path("reports/<int:pk>/attachment4/", attachment4.print_form, name="attachment4_print"),
    path("reports/<int:pk>/scan/", attachment4.scan, name="attachment4_scan"),
    path(
        "reports/<int:pk>/scan/<int:scan_id>/",
        attachment4.scan_file,
        name="attachment4_scan_file",
    ),
]
