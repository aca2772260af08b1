from django.urls import path

from .views import attachment4, basic_info, reports

app_name = "surveys"

urlpatterns = [
    path("", reports.home, name="home"),
    path("basic-info/", basic_info.basic_info, name="basic_info"),
    path("basic-info/history/", basic_info.basic_info_history, name="basic_info_history"),
    path("reports/open/", reports.open_report, name="open_report"),
    path("reports/<uuid:report_id>/", reports.detail, name="report_detail"),
    path("reports/<uuid:report_id>/survey/", reports.edit_survey, name="report_survey"),
    path("reports/<uuid:report_id>/history/", reports.history, name="report_history"),
    path(
        "reports/<uuid:report_id>/fill-from-cases/",
        reports.fill_from_cases,
        name="report_fill_from_cases",
    ),
    path("reports/<uuid:report_id>/submit/", reports.submit, name="report_submit"),
    path("reports/<uuid:report_id>/delete/", reports.delete, name="report_delete"),
    path("reports/<uuid:report_id>/attachment4/", attachment4.print_form, name="attachment4_print"),
    path("reports/<uuid:report_id>/scan/", attachment4.scan, name="attachment4_scan"),
    path(
        "reports/<uuid:report_id>/scan/<uuid:scan_id>/",
        attachment4.scan_file,
        name="attachment4_scan_file",
    ),
]
