"""The report pages that need no case: 基本信息, 在线填写调查表, 编辑日志, 提交, 删除 and 附件4.
The home, 查看详情 and 用个案汇总填充 show the cases, so they are ``casesets.report_urls``;
``registry/urls.py`` names both lists together as the ``surveys`` namespace (so this module
has no ``app_name``: included alone it would be half the namespace)."""

from django.urls import path

from .views import attachment4, basic_info, reports

urlpatterns = [
    path("basic-info/", basic_info.basic_info, name="basic_info"),
    path("basic-info/history/", basic_info.basic_info_history, name="basic_info_history"),
    path("reports/open/", reports.open_report, name="open_report"),
    path("reports/<uuid:report_id>/survey/", reports.edit_survey, name="report_survey"),
    path("reports/<uuid:report_id>/history/", reports.history, name="report_history"),
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
