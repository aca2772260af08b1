from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from institutions.admin import ProvinceFilter

from .models import BasicInfo


@admin.register(BasicInfo)
class BasicInfoAdmin(SimpleHistoryAdmin):
    """Auditors read 基本信息 and its 编辑日志 here; only the hospital edits it."""

    list_display = (
        "hospital_name",
        "institution",
        "region_name",
        "grade",
        "category",
        "director_name",
        "updated_at",
    )
    list_filter = (ProvinceFilter, "grade", "category")
    search_fields = ("hospital_name", "institution__name")
    list_select_related = ("institution",)
    history_list_display = ("director_name", "contact_name")
    list_per_page = 50

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
