"""模板下载及数据上传, under /registry/ (SPEC §4: /registry/templates.zip is 一键下载)."""

from django.urls import path

from . import views

app_name = "excel"

urlpatterns = [
    path("templates.zip", views.download_templates, name="download_templates"),
    path("upload/1/", views.upload, {"attachment": 1}, name="upload_survey"),
    path("upload/2/", views.upload, {"attachment": 2}, name="upload_intervention"),
    path("upload/3/", views.upload, {"attachment": 3}, name="upload_thrombolysis"),
    path("reports/<uuid:report_id>/imports/<uuid:batch_id>/", views.preview, name="preview"),
    path(
        "reports/<uuid:report_id>/imports/<uuid:batch_id>/confirm/", views.confirm, name="confirm"
    ),
    path(
        "reports/<uuid:report_id>/imports/<uuid:batch_id>/annotated.xlsx",
        views.annotated,
        name="annotated",
    ),
]
