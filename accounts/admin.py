from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "real_name",
        "institution",
        "role",
        "verification_status",
        "is_active",
        "is_staff",
    )
    list_filter = ("role", "verification_status", "origin", "is_active", "is_staff")
    search_fields = ("username", "real_name", "institution__name")
    list_select_related = ("institution",)
    raw_id_fields = ("institution",)
    fieldsets = DjangoUserAdmin.fieldsets + (
        (
            "平台信息",
            {
                "fields": (
                    "real_name",
                    "mobile",
                    "id_number",
                    "institution",
                    "role",
                    "origin",
                    "verification_status",
                )
            },
        ),
    )
