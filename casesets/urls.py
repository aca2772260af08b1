"""The pages of one case, under its report: ``/registry/reports/<report_id>/cases/<kind>/…``.
``kind`` is ``thrombolysis`` (附件3) or ``intervention`` (附件2); the list itself is the tab
``/registry/reports/<report_id>/?tab=<kind>``."""

from django.urls import path, register_converter

from . import views
from .specs import SPECS


class KindConverter:
    regex = "|".join(SPECS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(KindConverter, "case_kind")

app_name = "casesets"

urlpatterns = [
    path("reports/<uuid:report_id>/cases/<case_kind:kind>/add/", views.add, name="case_add"),
    path(
        "reports/<uuid:report_id>/cases/<case_kind:kind>/<uuid:case_id>/",
        views.detail,
        name="case_detail",
    ),
    path(
        "reports/<uuid:report_id>/cases/<case_kind:kind>/<uuid:case_id>/edit/",
        views.edit,
        name="case_edit",
    ),
    path(
        "reports/<uuid:report_id>/cases/<case_kind:kind>/<uuid:case_id>/delete/",
        views.delete,
        name="case_delete",
    ),
    path(
        "reports/<uuid:report_id>/cases/<case_kind:kind>/<uuid:case_id>/history/",
        views.history,
        name="case_history",
    ),
]
