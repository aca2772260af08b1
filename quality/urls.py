from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report.xlsx", views.report_xlsx, name="report_xlsx"),
]
