from django import forms
from django.contrib import admin

from .forms import RegionField
from .models import Institution, Region


class ProvinceFilter(admin.SimpleListFilter):
    """省份: institutions whose 行政区划 code starts with the province's two digits."""

    title = "省份"
    parameter_name = "province"

    def lookups(self, request, model_admin):
        return [(r.code, r.name) for r in Region.objects.provinces().current()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.in_province(self.value())
        return queryset


class InstitutionAdminForm(forms.ModelForm):
    region = RegionField()

    class Meta:
        model = Institution
        fields = (
            "name",
            "region",
            "grade",
            "category",
            "credit_code",
            "licence_number",
            "is_base_hospital",
            "is_advanced_stroke_center",
            "status",
        )


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    form = InstitutionAdminForm
    list_display = (
        "name",
        "region_name",
        "grade",
        "category",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "status",
    )
    list_filter = (
        ProvinceFilter,
        "grade",
        "category",
        "is_base_hospital",
        "is_advanced_stroke_center",
        "status",
    )
    search_fields = ("name", "credit_code", "licence_number", "region_name")
    readonly_fields = ("public_id", "region_name", "created_at", "updated_at")
    list_per_page = 50


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    """Read-only: divisions come from the versioned fixture (manage.py load_regions)."""

    list_display = ("code", "full_name", "level", "kind", "data_version", "retired_in")
    list_filter = ("level", "data_version", "retired_in")
    search_fields = ("code", "name", "full_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
